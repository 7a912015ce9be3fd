//! The edge image cache of the glance-cache topology (`glance.cache`) and the largest image it
//! must hold. Owns DCN035 (cache too small), DCN037 (bad quantity) and DCN081 (too large) for
//! sizes and durations, and DCN003 (wrong type) for the cache directory.

use super::text::check_abs_path;
use super::{or_default, Checker};
use crate::diag::{Code, Span};
use crate::model::*;
use crate::spec::{self, bounds, defaults, Located, Spec};

/// What a quantity of the cache measures: how it is written and how large it may be.
#[derive(Clone, Copy)]
enum Measure {
    Size,
    Duration,
}

impl Measure {
    fn parse(self, text: &str) -> Option<u64> {
        match self {
            Measure::Size => parse_size(text),
            Measure::Duration => parse_duration(text),
        }
    }

    fn max(self) -> u64 {
        match self {
            Measure::Size => bounds::SIZE_BYTES,
            Measure::Duration => bounds::CACHE_SECONDS,
        }
    }
}

/// A size or duration from the spec, or `default` when it is absent or invalid (reported).
fn quantity(
    c: &mut Checker,
    q: &Option<Located<spec::Quantity>>,
    default: u64,
    measure: Measure,
) -> u64 {
    let Some(q) = q else {
        return default;
    };
    let (what, help, max_text) = match measure {
        Measure::Size => (
            "size",
            "write bytes or a number with a unit: `10GiB`, `500MB`",
            "1 PiB",
        ),
        Measure::Duration => (
            "duration",
            "write seconds or a number with a unit: `86400`, `1d`, `5m`",
            "30 days",
        ),
    };
    match measure.parse(&q.value.0) {
        None => {
            c.error(
                Code::BadQuantity,
                q.span,
                format!("`{}` is not a {what}", q.value.0),
            )
            .help = Some(help.into());
            default
        }
        Some(v) if v > measure.max() => {
            c.error(
                Code::TooLarge,
                q.span,
                format!(
                    "`{}` is more than dcnc allows for this {what} ({max_text})",
                    q.value.0
                ),
            )
            .help = Some(format!("write a {what} of at most {max_text}"));
            default
        }
        Some(v) => v,
    }
}

/// A default of the schema (`spec::defaults`), in the units people write.
fn default(text: &str, measure: Measure) -> u64 {
    measure
        .parse(text)
        .expect("the schema's cache defaults parse")
}

/// The edge cache settings, with defaults; `None` outside the glance-cache topology.
pub(super) fn check_cache(c: &mut Checker, spec: &Spec) -> Option<CacheSettings> {
    let glance_cache = spec
        .topology
        .as_ref()
        .is_some_and(|t| t.value == Topology::GlanceCache);
    let largest = spec.glance.largest_image.as_ref().map(|l| {
        (
            quantity(c, &spec.glance.largest_image, 0, Measure::Size),
            l.span,
        )
    });
    if !glance_cache {
        return None;
    }
    let empty = spec::Cache::default();
    let cache = spec.glance.cache.as_ref().map_or(&empty, |l| &l.value);
    let (dir, dir_span) = or_default(&cache.dir, defaults::cache_dir().to_string());
    check_abs_path(
        c,
        (&dir, dir_span),
        "glance.cache.dir",
        "path",
        Code::WrongType,
    );
    let max_size = quantity(
        c,
        &cache.max_size,
        default(defaults::cache_size(), Measure::Size),
        Measure::Size,
    );
    if let Some((largest, span)) = largest {
        check_fits(c, largest, span, max_size, cache);
    }
    Some(CacheSettings {
        dir,
        max_size,
        stall_time: quantity(
            c,
            &cache.stall_time,
            default(defaults::stall_time(), Measure::Duration),
            Measure::Duration,
        ),
        prefetcher_interval: quantity(
            c,
            &cache.prefetcher_interval,
            default(defaults::prefetch(), Measure::Duration),
            Measure::Duration,
        ),
    })
}

/// The cache can hold the largest image.
fn check_fits(c: &mut Checker, largest: u64, span: Span, max_size: u64, cache: &spec::Cache) {
    if largest > max_size {
        let at = cache.max_size.as_ref().map_or(span, |m| m.span);
        c.warning(
            Code::CacheTooSmall,
            at,
            format!(
                "the edge image cache ({}) cannot hold the largest image ({})",
                human_size(max_size),
                human_size(largest)
            ),
        )
        .help = Some("raise `glance.cache.max_size` above `glance.largest_image`".into());
    }
}

/// A byte count in the largest binary unit that keeps it readable, e.g. `10 GiB`.
fn human_size(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    format!("{} {}", text.trim_end_matches(".0"), units[unit])
}
