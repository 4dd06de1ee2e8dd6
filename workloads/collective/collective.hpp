#pragma once
// Collective operations (nccl-tests style) as flow plans: which rank sends how many bytes to which, in which
// phases, and how many latency (alpha) steps each phase stands for. Plain C++, no SimGrid: sim/activities runs a
// plan on the platform, sim/ideal gives the alpha-beta closed forms, docs/collectives.md describes each model.
//
// Sizes follow nccl-tests: S is the per-rank buffer nccl-tests reports as "size":
//   allreduce      S = the buffer each rank reduces (input = output)
//   allgather      S = the gathered output per rank (each rank contributes S/n)
//   reducescatter  S = the input per rank (each rank ends with S/n reduced)
//   alltoall       S = the send buffer per rank (S/n to every rank, itself included)
//   broadcast      S = the buffer the root sends

#include <string>
#include <vector>

namespace racksim::workloads {

enum class CollectiveOp { allreduce, allgather, reducescatter, alltoall, broadcast };
// automatic: the op's usual algorithm (ring; direct for alltoall). Resolved before anything is planned.
enum class CollectiveAlgorithm { automatic, ring, tree, hierarchical, direct };

const char* to_string(CollectiveOp op);
const char* to_string(CollectiveAlgorithm algorithm);

// The algorithms an op accepts (never `automatic`, which every op accepts), in documentation order.
std::vector<CollectiveAlgorithm> valid_algorithms(CollectiveOp op);
bool accepts(CollectiveOp op, CollectiveAlgorithm algorithm);
// `automatic` -> the op's default; any other value is returned as is.
CollectiveAlgorithm resolve_algorithm(CollectiveOp op, CollectiveAlgorithm algorithm);

// nccl-tests' bus bandwidth factor: busbw = algbw x factor. 2(n-1)/n allreduce; (n-1)/n allgather,
// reducescatter, alltoall; 1 broadcast.
double bus_factor(CollectiveOp op, int ranks);

struct RankFlow {
  int src = 0; // ranks
  int dst = 0;
  double bytes = 0;
};

// The flows of one phase start together; the phase ends when all have arrived, plus the rest of its latency term
// (alpha_steps x alpha, of which the flows themselves paid one alpha).
struct CollectivePhase {
  std::string name; // e.g. "ring", "intra-node reduce-scatter"
  std::vector<RankFlow> flows;
  double alpha_steps = 0;
};

// rank_node[r] = the node of rank r (any integer ids); only `hierarchical` reads it. `algorithm` must be one the
// op accepts (automatic is resolved here). Throws std::invalid_argument for fewer than 2 ranks, a bad pair, or a
// hierarchical plan whose nodes hold different numbers of ranks.
std::vector<CollectivePhase> plan_collective(CollectiveOp op, CollectiveAlgorithm algorithm, double bytes,
                                             const std::vector<int>& rank_node);

// NCCL's binary tree (ncclGetBtree): rank 0 is the root with one child; parent -1 for the root.
struct TreeNode {
  int parent = -1;
  std::vector<int> children;
};
std::vector<TreeNode> nccl_btree(int ranks);
// The second tree of NCCL's double binary tree (ncclGetDtree): the first one mirrored (n even) or shifted by one
// rank (n odd), so that the leaves of one tree are interior ranks of the other.
std::vector<TreeNode> nccl_dtree_second(int ranks);
// Links from the root to the deepest leaf.
int tree_depth(const std::vector<TreeNode>& tree);

} // namespace racksim::workloads
