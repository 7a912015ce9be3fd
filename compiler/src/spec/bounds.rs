//! Upper bounds of what one spec can ask for, so that no input, however small, makes a build
//! take hours, gigabytes or the disk. The schema states the ones it can (`maximum`), `check`
//! enforces every one (DCN081), both from these constants.

/// Nodes of one role of one stack: a DCN site has some hundreds at most, and node provision
/// writes one `baremetal.yaml` entry per node.
pub const ROLE_NODES: u32 = 1000;
/// Nodes of one stack, all roles together.
pub const STACK_NODES: u64 = 1000;
/// Ceph's replica count: its monitor refuses a pool size outside 1..=10 ("pool size must be
/// between 1 and 10", OSDMonitor).
pub const POOL_SIZE: u32 = 10;
/// One pass-through parameter value, serialized as JSON.
pub const PARAMETER_BYTES: usize = 64 * 1024;
/// All pass-through values of all stacks together: they are copied into each stack's
/// environment file, so `edge_defaults.parameters` counts once per edge.
pub const ALL_PARAMETER_BYTES: usize = 16 * 1024 * 1024;
/// A size (the edge image cache, the largest image): 1 PiB.
pub const SIZE_BYTES: u64 = 1 << 50;
/// A duration of the image cache (stall time, prefetcher interval): 30 days.
pub const CACHE_SECONDS: u64 = 30 * 86_400;
/// How long a Ceph client waits for a cluster: 1 hour.
pub const MOUNT_TIMEOUT_SECONDS: u64 = 3_600;
