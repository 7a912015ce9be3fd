//! Rendering on several threads: the items (stacks) are claimed one at a time from a shared
//! counter, so a slow one (central's, which lists every edge) does not hold the others up; each
//! thread renders into a tree of its own, and the trees are merged at the end. A tree is a map
//! keyed by path, so the result is the same bytes whatever the number of threads and whichever
//! thread rendered what.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::Tree;

/// Fewer items than this are rendered on the calling thread alone: starting a thread costs more
/// than rendering a few stacks.
const MIN_PARALLEL: usize = 16;

/// How many threads rendering uses by default: the CPUs this process may run on (its affinity
/// mask and cgroup quota, so `taskset -c 0` means one), at most 8.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Calls `first` on the calling thread, and `each` on every item on up to `threads` threads,
/// every one into a tree merged into `tree`.
pub(super) fn for_each<T: Sync>(
    items: &[T],
    threads: usize,
    tree: &mut Tree,
    first: impl FnOnce(&mut Tree),
    each: impl Fn(&T, &mut Tree) + Sync,
) {
    let threads = if items.len() < MIN_PARALLEL {
        1
    } else {
        threads.clamp(1, items.len())
    };
    let next = AtomicUsize::new(0);
    let work = |tree: &mut Tree| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        each(item, tree);
    };
    if threads == 1 {
        first(tree);
        work(tree);
        return;
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut own = Tree::new();
                    work(&mut own);
                    own
                })
            })
            .collect();
        first(tree);
        work(tree);
        for w in workers {
            // A panic in a worker (a template bug) goes on in this thread, as it would serially.
            let mut own = w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            tree.append(&mut own);
        }
    });
}
