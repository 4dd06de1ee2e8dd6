// Inference workload model (workloads/inference/): kernel lists and their times against hand-computed rooflines,
// KV-cache capacity, continuous-batching admission, arrival processes, token lengths and input-file errors.
// No SimGrid Engine.

#include "workloads/inference/inference_model.hpp"
#include "workloads/inference/requests.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>

using namespace racksim::workloads;

namespace {

// A pure roofline without efficiency curves or launch overhead: time = max(flops / peak, bytes / bandwidth).
class IdealTimer final : public KernelTimer {
 public:
  IdealTimer(double peak_flops, double hbm_Bps) : peak_(peak_flops), hbm_(hbm_Bps) {}
  double time_s(const KernelCall& call) const override {
    return std::max(call_flops(call) / peak_, call_bytes(call) / hbm_);
  }
  std::string source() const override { return "ideal"; }

 private:
  double peak_, hbm_;
};

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("racksim-inference-" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// tiny: 2 layers, hidden 256, 4 heads of 64 (4 KV heads), SwiGLU ffn 1024, vocab 1000, bf16.
const TransformerSpec& tiny() {
  return find_model("tiny");
}

} // namespace

// One decode step of one sequence is memory-bound: every weight is read once, plus the KV cache of its context,
// plus small activation terms. Hand-computed from the shapes (bf16 = 2 bytes).
TEST(WorkloadInferenceModel, DecodeStepIsWeightsPlusKvCacheOverBandwidth) {
  const double hbm = 1e12, peak = 1e15; // 1000 FLOP/B: every decode kernel is memory-bound
  const IdealTimer timer(peak, hbm);
  for (const std::int64_t context : {1, 100, 4000}) {
    const double c = static_cast<double>(context);
    const double h = 256, f = 1024, v = 1000, qkv = 768, b = 2, layers = 2, heads = 4, hd = 64;
    // Weights read by one layer: QKV, output, gate+up, down projections.
    const double layer_weights = b * (h * qkv + h * h + h * 2 * f + f * h);
    // K and V of the context: 2 x context x kv_heads x head_dim x b.
    const double layer_kv = 2 * c * heads * hd * b;
    // Activations of one token: GEMM inputs and outputs, two RMSNorms (+ gamma, row stats), attention query and
    // output plus its 4-byte row statistics, SwiGLU in/out.
    const double layer_act = b * ((h + qkv) + (h + h) + (h + 2 * f) + (f + h)) + 2 * (b * 2 * h + 4 * h + 4) +
                             (b * heads * 2 * hd + 4 * heads) + b * 3 * f;
    const double head = (8 + 2 * b * h) /* embedding row */ + (b * 2 * h + 4 * h + 4) /* final norm */ +
                        b * (h + h * v + v) /* LM head */;
    const double expected = (layers * (layer_weights + layer_kv + layer_act) + head) / hbm;
    const double got = predict_s(forward_calls(tiny(), 1, {}, {context}), timer);
    EXPECT_NEAR(got, expected, 1e-12 * expected) << "context " << context;
    // Weights + KV cache are most of it.
    EXPECT_LT(layers * layer_act + head - b * h * v, 0.05 * layers * (layer_weights + layer_kv));
  }
}

// The batch reads the weights once: 8 sequences cost far less than 8 single steps, and their KV reads add up.
TEST(WorkloadInferenceModel, DecodeBatchSharesTheWeightRead) {
  const IdealTimer timer(1e15, 1e12);
  const double one = predict_s(forward_calls(tiny(), 1, {}, {500}), timer);
  const double eight = predict_s(forward_calls(tiny(), 1, {}, std::vector<std::int64_t>(8, 500)), timer);
  EXPECT_LT(eight, 3 * one);
  const double kv_one_layer = 2 * 500.0 * 4 * 64 * 2;
  EXPECT_GT(eight - one, 7 * 2 * kv_one_layer / 1e12);
}

// Prefill is compute-bound: GEMM FLOPs 2 x tokens x weights of a layer, causal attention 2 x heads x p^2 x
// head_dim per prompt; norms and the activation stay memory-bound. With the IdealTimer the iteration time is
// the sum of each kernel's own bound, and the engine's IterationModel adds nothing for tp = 1.
TEST(WorkloadInferenceModel, PrefillTimeIsTheForwardKernelSum) {
  const double peak = 1e13, hbm = 1e12;
  const IdealTimer timer(peak, hbm);
  const std::vector<std::int64_t> prompts{1000, 3000};
  const auto calls = forward_calls(tiny(), 1, prompts, {});
  const double T = 4000, h = 256, f = 1024, qkv = 768, b = 2, layers = 2;
  double expected = 0;
  expected += layers * 2 * T * (h * qkv + h * h + h * 2 * f + f * h) / peak; // the four projections
  for (const double p : {1000.0, 3000.0})
    expected += layers * 2 * 4 * p * p * 64 / peak; // attention_fwd, causal (the schema's 2 x bt x m x n x k)
  expected += layers * 2 * (b * 2 * T * h + 4 * h + 4 * T) / hbm; // 2 RMSNorms
  expected += layers * b * 3 * T * f / hbm;                       // SwiGLU
  expected += (8 * T + 2 * b * T * h) / hbm;                      // embedding gather
  expected += (b * 2 * 2 * h + 4 * h + 4 * 2) / hbm;              // final norm, 2 rows (one per sequence)
  expected += std::max(2 * 2 * 1000 * h / peak, b * (2 * h + h * 1000 + 2 * 1000) / hbm); // LM head, 2 rows
  double sum = 0;
  for (const auto& call : calls)
    sum += static_cast<double>(call.count) * timer.time_s(call);
  EXPECT_NEAR(sum, expected, 1e-9 * expected);
  const IterationModel iteration(tiny(), 1, timer, 0, 0);
  EXPECT_DOUBLE_EQ(iteration.time_s(prompts, {}), sum);
  EXPECT_EQ(iteration.comm_s(4000), 0);
}

TEST(WorkloadInferenceModel, TensorParallelAllReducesAreAlphaBeta) {
  // 2(n-1) alpha + 2(n-1)/n S/B
  EXPECT_DOUBLE_EQ(tp_allreduce_s(4, 1e6, 1e11, 1e-6), 6e-6 + 1.5 * 1e6 / 1e11);
  EXPECT_EQ(tp_allreduce_s(1, 1e6, 1e11, 1e-6), 0);
  const IdealTimer timer(1e15, 1e12);
  const IterationModel iteration(find_model("llama3-8b"), 4, timer, 450e9, 1e-6);
  // Two all-reduces per layer of tokens x hidden x 2 bytes.
  EXPECT_DOUBLE_EQ(iteration.comm_s(10), 2 * 32 * tp_allreduce_s(4, 10 * 4096 * 2, 450e9, 1e-6));
  // With tp = 4 a GPU holds a quarter of the projection columns.
  const auto calls = forward_calls(find_model("llama3-8b"), 4, {}, {100});
  EXPECT_EQ(calls[2].kernel, "gemm");
  EXPECT_EQ(calls[2].n, (4096 + 2 * 1024) / 4);
}

TEST(WorkloadInferenceModel, KvCapacityAndModelThatDoesNotFit) {
  // tiny: 2 x 2 layers x 4 KV heads x 64 x 2 bytes = 2048 B per token.
  EXPECT_EQ(kv_bytes_per_token_per_gpu(tiny(), 1), 2048);
  const double w = weight_bytes(tiny());
  EXPECT_EQ(w, parameter_count(tiny()) * 2);
  const auto m = replica_memory(tiny(), 1, 1e9, 0.5);
  EXPECT_EQ(m.kv_capacity_tokens, static_cast<std::int64_t>(std::floor((0.5e9 - w) / 2048)));
  // llama3-8b: 128 KiB per token (32 layers x 8 KV heads x 128 x 2 x 2); tp = 2 halves it per GPU.
  EXPECT_EQ(kv_bytes_per_token_per_gpu(find_model("llama3-8b"), 1), 131072);
  EXPECT_EQ(kv_bytes_per_token_per_gpu(find_model("llama3-8b"), 2), 65536);
  const std::string message = error_of([] { replica_memory(find_model("llama3-70b"), 1, 80.0 * (1 << 30), 0.9); });
  EXPECT_NE(message.find("llama3-70b"), std::string::npos) << message;
  EXPECT_NE(message.find("141107412992 B"), std::string::npos) << message;
  EXPECT_NE(message.find("80.00 GiB of HBM"), std::string::npos) << message;
  EXPECT_THROW(replica_memory(find_model("llama3-70b"), 1, 80.0 * (1 << 30), 0.9), ModelDoesNotFit);
  EXPECT_NO_THROW(replica_memory(find_model("llama3-70b"), 4, 80.0 * (1 << 30), 0.9));
}

// KV capacity for exactly k = 3 sequences of 100 + 50 tokens: the fourth waits, whatever the other limits allow.
TEST(WorkloadInferenceBatching, KvCapacityAdmitsExactlyK) {
  const std::deque<Waiting> queue(10, Waiting{100, 50});
  BatchLimits limits{256, 100000, 3 * 150 + 149};
  EXPECT_EQ(admit_count(queue, {}, limits), 3u);
  EXPECT_EQ(admit_count(queue, {2, 300}, limits), 1u);
  EXPECT_EQ(admit_count(queue, {3, 450}, limits), 0u);
  limits.kv_capacity_tokens = 1 << 30;
  limits.max_batch = 4;
  EXPECT_EQ(admit_count(queue, {1, 150}, limits), 3u); // sequence slots
  limits.max_batch_tokens = 1 + 250;                   // one decode token + 2.5 prompts
  EXPECT_EQ(admit_count(queue, {1, 150}, limits), 2u);
  // FCFS without skipping: a long head blocks shorter requests behind it.
  const std::deque<Waiting> blocked{{300, 1}, {10, 1}};
  EXPECT_EQ(admit_count(blocked, {1, 150}, limits), 0u);
  EXPECT_FALSE(can_ever_fit({300, 1}, limits));
  EXPECT_TRUE(can_ever_fit({251, 1}, limits));
  EXPECT_FALSE(can_ever_fit({10, 1 << 30}, limits));
}

TEST(WorkloadInferenceRequests, PoissonArrivalsHaveTheRequestedRateAndAreSeeded) {
  InferenceSpec spec;
  spec.rate_per_s = 50;
  spec.requests = 100000;
  const auto a = generate_requests(spec, 11);
  ASSERT_EQ(a.size(), 100000u);
  EXPECT_NEAR(a.back().arrival_s / 100000, 1 / 50.0, 0.01 / 50);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end(), [](auto& x, auto& y) { return x.arrival_s < y.arrival_s; }));
  const auto b = generate_requests(spec, 11);
  EXPECT_EQ(a.back().arrival_s, b.back().arrival_s);
  EXPECT_EQ(a[123].prompt_tokens, b[123].prompt_tokens);
  EXPECT_NE(generate_requests(spec, 12).back().arrival_s, a.back().arrival_s);
  for (const auto& r : a) {
    ASSERT_GE(r.prompt_tokens, spec.prompt_tokens.min);
    ASSERT_LE(r.prompt_tokens, spec.prompt_tokens.max);
    ASSERT_LE(r.output_tokens, spec.output_tokens.max);
  }
  // duration instead of a count
  spec.requests = 0;
  spec.duration_s = 10;
  const auto c = generate_requests(spec, 11);
  EXPECT_NEAR(static_cast<double>(c.size()), 500, 4 * std::sqrt(500.0));
  EXPECT_LE(c.back().arrival_s, 10);
}

// Diurnal: rate x (1 + a sin(2 pi t / P)); over whole periods the first half-period gets (1 + 2a/pi) / (1 - 2a/pi)
// times the arrivals of the second.
TEST(WorkloadInferenceRequests, DiurnalArrivalsFollowTheSine) {
  InferenceSpec spec;
  spec.arrival = ArrivalProcess::diurnal;
  spec.rate_per_s = 100;
  spec.diurnal_amplitude = 0.8;
  spec.diurnal_period_s = 100;
  spec.requests = 0;
  spec.duration_s = 2000;
  const auto a = generate_requests(spec, 5);
  double high = 0, low = 0;
  for (const auto& r : a)
    (std::fmod(r.arrival_s, 100) < 50 ? high : low) += 1;
  EXPECT_NEAR((high + low) / 2000, 100, 1.5);
  const double pi = 3.141592653589793;
  EXPECT_NEAR(high / low, (1 + 1.6 / pi) / (1 - 1.6 / pi), 0.05 * (1 + 1.6 / pi) / (1 - 1.6 / pi));
}

TEST(WorkloadInferenceRequests, TokenDistributions) {
  Rng rng(3);
  TokenSpec constant{TokenDistribution::constant, 77, 0, 1, 100};
  EXPECT_EQ(sample_tokens(constant, rng), 77);
  TokenSpec uniform{TokenDistribution::uniform, 0, 0, 10, 12};
  int seen[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) {
    const auto v = sample_tokens(uniform, rng);
    ASSERT_GE(v, 10);
    ASSERT_LE(v, 12);
    ++seen[v - 10];
  }
  for (int s : seen)
    EXPECT_NEAR(s, 1000, 100);
  TokenSpec clamped{TokenDistribution::lognormal, 1000, 3.0, 500, 2000};
  for (int i = 0; i < 1000; ++i) {
    const auto v = sample_tokens(clamped, rng);
    ASSERT_GE(v, 500);
    ASSERT_LE(v, 2000);
  }
}

TEST(WorkloadInferenceRequests, ArrivalTraceRowsAndErrorsWithFileAndLine) {
  const std::string good =
      write_temp("good.csv", "arrival_s,prompt_tokens,output_tokens\n# comment\n0,10,5\n\n0.5,20,1\n2,30,3\n");
  const auto rows = read_arrival_trace(good, 0);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].arrival_s, 0.5);
  EXPECT_EQ(rows[2].prompt_tokens, 30);
  EXPECT_EQ(read_arrival_trace(good, 2).size(), 2u);
  const std::string times = write_temp("times.txt", "0.1\n0.2\n");
  EXPECT_EQ(read_arrival_trace(times, 0)[1].prompt_tokens, -1);

  const std::string bad_number = write_temp("bad1.csv", "0\n1\nabc\n");
  EXPECT_EQ(error_of([&] { read_arrival_trace(bad_number, 0); }),
            bad_number + ":3: arrival_s: expected a number of seconds, got 'abc'");
  const std::string backwards = write_temp("bad2.csv", "0\n5\n4\n");
  EXPECT_NE(error_of([&] { read_arrival_trace(backwards, 0); }).find(backwards + ":3: arrival_s: 4 is earlier"),
            std::string::npos);
  const std::string fields = write_temp("bad3.csv", "0,1\n");
  EXPECT_NE(error_of([&] { read_arrival_trace(fields, 0); }).find(fields + ":1: expected"), std::string::npos);
  const std::string tokens = write_temp("bad4.csv", "0,1,1\n1,0,5\n");
  EXPECT_EQ(error_of([&] { read_arrival_trace(tokens, 0); }),
            tokens + ":2: prompt_tokens: expected a positive integer, got '0'");
  EXPECT_THROW(read_arrival_trace("/nonexistent/trace.csv", 0), InferenceInputError);

  // The trace's own lengths win; missing ones are drawn.
  InferenceSpec spec;
  spec.arrival = ArrivalProcess::trace;
  spec.trace_path = good;
  const auto reqs = generate_requests(spec, 1);
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].prompt_tokens, 10);
  EXPECT_EQ(reqs[0].output_tokens, 5);
  EXPECT_EQ(reqs[2].arrival_s, 2);
}

TEST(WorkloadInferenceRequests, ServiceTimeSamplers) {
  InferenceSpec spec;
  spec.service_time = ServiceTimeDistribution::exponential;
  spec.service_time_mean_s = 2;
  ServiceTimeSampler exp(spec, 1);
  double sum = 0;
  for (int i = 0; i < 100000; ++i)
    sum += exp.sample();
  EXPECT_NEAR(sum / 100000, 2, 0.03);
  spec.service_time = ServiceTimeDistribution::empirical;
  spec.service_time_path = write_temp("samples.txt", "# seconds\n1\n3\n");
  ServiceTimeSampler emp(spec, 1);
  EXPECT_EQ(emp.mean(), 2);
  for (int i = 0; i < 100; ++i) {
    const double v = emp.sample();
    ASSERT_TRUE(v == 1 || v == 3);
  }
  spec.service_time_path = write_temp("samples-bad.txt", "1\n-2\n");
  EXPECT_EQ(error_of([&] { ServiceTimeSampler s(spec, 1); }),
            spec.service_time_path + ":2: service time: must be > 0, got -2");
}
