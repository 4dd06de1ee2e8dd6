#include "policies/autoscaling/queue_length.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <string>

namespace racksim::policies {

namespace {

// The shortest decimal that reads back to v, as the scenario loader prints numbers.
std::string shortest(double v) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return ec == std::errc{} ? std::string(buf.data(), end) : "nan";
}

} // namespace

std::vector<ParamSpec> queue_length_params() {
  return {
      param("policies.autoscaler.scale_out_queue", ParamType::real, &QueueLengthParams::scale_out_queue, at_least(0),
            "requests", "queue_length: one replica more when waiting requests per active replica exceed this"),
      param("policies.autoscaler.scale_in_queue", ParamType::real, &QueueLengthParams::scale_in_queue, at_least(0),
            "requests",
            "queue_length: one replica fewer when waiting requests per active replica fall below this (< "
            "scale_out_queue)"),
  };
}

std::vector<ParamProblem> check_queue_length(const PolicyParams& params, const CheckContext& context) {
  const auto& p = params.get<QueueLengthParams>();
  if (!context.chosen || p.scale_in_queue < p.scale_out_queue) return {};
  return {{{"policies.autoscaler.scale_in_queue", "policies.autoscaler.scale_out_queue"},
           "policies.autoscaler.scale_in_queue (" + shortest(p.scale_in_queue) +
               ") must be < policies.autoscaler.scale_out_queue (" + shortest(p.scale_out_queue) + ")"}};
}

QueueLengthAutoscaler::QueueLengthAutoscaler(const QueueLengthParams& params)
    : out_(params.scale_out_queue), in_(params.scale_in_queue) {
  if (!(in_ < out_))
    throw std::invalid_argument("policies.autoscaler.scale_in_queue must be < policies.autoscaler.scale_out_queue");
}

int QueueLengthAutoscaler::desired(const AutoscalerView& view) {
  const int present = view.active + view.provisioning;
  const double q = view.active > 0 ? static_cast<double>(view.waiting) / view.active : view.waiting;
  if (q > out_) return present + 1;
  if (q < in_ && view.provisioning == 0) return std::max(1, present - 1);
  return present;
}

} // namespace racksim::policies
