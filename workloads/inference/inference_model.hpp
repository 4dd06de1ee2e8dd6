#pragma once
// Inference timing and memory from the same kernel model as training (docs/inference.md): one continuous-batching
// iteration of a replica is one forward pass over the tokens it processes — the prompts of the sequences admitted
// in it (prefill) and one token for each sequence already decoding — built as KernelCall lists and timed by a
// KernelTimer, plus the tensor-parallel all-reduces over NVLink (an alpha-beta term). KV-cache capacity and the
// admission rule of continuous batching are here too. Plain C++: no SimGrid.

#include "workloads/calibration/calibration.hpp"
#include "workloads/training/kernel_call.hpp"
#include "workloads/training/step_model.hpp"

#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::workloads {

// A model that cannot be served by the replica at all (weights larger than the usable HBM).
class ModelDoesNotFit : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Bytes of the model's weights (parameter_count x dtype bytes), all GPUs of a replica together.
double weight_bytes(const TransformerSpec& model);
// KV-cache bytes one token occupies on ONE GPU of a TP group: 2 (K and V) x layers x ceil(kv_heads / tp) x head_dim
// x dtype bytes. With tp = 1 this is the textbook 2 x layers x kv_heads x head_dim x dtype bytes.
double kv_bytes_per_token_per_gpu(const TransformerSpec& model, std::int64_t tp);

struct ReplicaMemory {
  double hbm_bytes_per_gpu = 0;
  double usable_bytes_per_gpu = 0;     // hbm x hbm_utilization
  double weight_bytes_per_gpu = 0;     // weights / tp
  double kv_bytes_per_token = 0;       // per GPU
  std::int64_t kv_capacity_tokens = 0; // floor((usable - weights/tp) / kv bytes per token): tokens of all sequences
};
// Throws ModelDoesNotFit naming the model, its weight bytes and the HBM when the weights do not fit.
ReplicaMemory replica_memory(const TransformerSpec& model, std::int64_t tp, double hbm_bytes_per_gpu,
                             double hbm_utilization);

// The kernel launches of one forward iteration on one GPU of a TP group of `tp`: prefill of `prompts` (one prompt
// length per newly admitted sequence) and one decode step for each of `contexts` (each decoding sequence's context
// length, prompt + tokens generated so far). GEMMs and norms run over all tokens together; attention is one call per
// sequence: causal attention_fwd over the prompt for prefill, and for decode one query token per sequence against
// its context, the query heads of a KV group folded into the m dimension (docs/inference.md).
std::vector<KernelCall> forward_calls(const TransformerSpec& model, std::int64_t tp,
                                      const std::vector<std::int64_t>& prompts,
                                      const std::vector<std::int64_t>& contexts);

// Ring all-reduce of `bytes` over tp GPUs on NVLink: 2(tp-1) alpha + 2(tp-1)/tp x bytes / bandwidth; 0 for tp = 1.
double tp_allreduce_s(std::int64_t tp, double bytes, double nvlink_Bps, double alpha_s);

// Times iterations: kernels from the timer, plus 2 all-reduces per layer of tokens x hidden x dtype bytes.
class IterationModel {
 public:
  IterationModel(TransformerSpec model, std::int64_t tp, const KernelTimer& timer, double nvlink_Bps,
                 double nvlink_alpha_s);
  double compute_s(const std::vector<std::int64_t>& prompts, const std::vector<std::int64_t>& contexts) const;
  double comm_s(std::int64_t tokens) const;
  double time_s(const std::vector<std::int64_t>& prompts, const std::vector<std::int64_t>& contexts) const;
  const TransformerSpec& model() const { return model_; }

 private:
  TransformerSpec model_;
  std::int64_t tp_;
  const KernelTimer& timer_;
  double nvlink_Bps_, alpha_s_;
};

// ---- continuous batching -------------------------------------------------------------------------------------------

struct BatchLimits {
  int max_batch = 1;                   // sequences in an iteration (decoding + newly admitted)
  std::int64_t max_batch_tokens = 0;   // tokens in an iteration: new prompts + one per decoding sequence
  std::int64_t kv_capacity_tokens = 0; // KV tokens reserved by the running sequences
};
struct BatchState {
  int running = 0;                     // sequences decoding (each contributes one token to the iteration)
  std::int64_t kv_reserved_tokens = 0; // sum of prompt + output over running sequences
};
// A waiting request as admission sees it.
struct Waiting {
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
};
// How many requests from the head of `queue` (FCFS, no skipping) join the next iteration: each needs a free
// sequence slot, room for its prompt in the token budget and its whole prompt + output in the KV cache (reserved at
// admission, so a running sequence is never preempted).
std::size_t admit_count(const std::deque<Waiting>& queue, const BatchState& state, const BatchLimits& limits);
// Whether a request can ever be served by an idle replica (else it is rejected on arrival).
bool can_ever_fit(const Waiting& request, const BatchLimits& limits);

} // namespace racksim::workloads
