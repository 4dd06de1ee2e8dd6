#pragma once
// Host-only decisions of the dense kernel family (dense.cu) that the tests exercise without a GPU.
// Plain C++ (no CUDA types), so a .cpp test can include it.

#include <cstdint>
#include <string>

namespace racksim::cuda::dense {

// Why an fp8 (e4m3 operands, bf16 output) cuBLASLt GEMM of this shape cannot run on a device of compute
// capability cc_major.cc_minor; empty when it can. fp8 tensor cores need 8.9 (Ada) or newer, and cuBLASLt's fp8
// kernels need 16-byte aligned leading dimensions, here m, n and k multiples of 16.
std::string gemm_fp8_unsupported(std::int64_t m, std::int64_t n, std::int64_t k, int cc_major, int cc_minor);

} // namespace racksim::cuda::dense
