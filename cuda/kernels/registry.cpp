#include "cuda/kernels/kernel.hpp"

namespace racksim::cuda {

std::vector<std::unique_ptr<Kernel>> all_kernels() {
  auto out = dense_kernels();
  for (auto& k : fused_kernels()) out.push_back(std::move(k));
  return out;
}

const Kernel& find_kernel(const std::vector<std::unique_ptr<Kernel>>& kernels, const std::string& name) {
  std::string known;
  for (const auto& k : kernels) {
    if (k->name() == name) return *k;
    known += (known.empty() ? "" : ", ") + k->name();
  }
  throw std::invalid_argument("unknown kernel '" + name + "' (known: " + known + ")");
}

} // namespace racksim::cuda
