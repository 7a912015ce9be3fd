//! The edge image cache of the glance-cache topology (`glance.cache`) and the largest image it
//! must hold. Owns DCN035 (cache too small), DCN037 (bad quantity) for sizes and durations, and
//! DCN003 (wrong type) for the cache directory.

use super::{or_default, Checker};
use crate::diag::{Code, Span};
use crate::model::*;
use crate::spec::{self, defaults, Located, Spec};

/// A size or duration from the spec, or `default` when it is absent or invalid (reported).
fn quantity(
    c: &mut Checker,
    q: &Option<Located<spec::Quantity>>,
    default: u64,
    parse: fn(&str) -> Option<u64>,
    what: &str,
) -> u64 {
    let Some(q) = q else {
        return default;
    };
    parse(&q.value.0).unwrap_or_else(|| {
        c.error(
            Code::BadQuantity,
            q.span,
            format!("`{}` is not a {what}", q.value.0),
        )
        .help = Some(if what == "size" {
            "write bytes or a number with a unit: `10GiB`, `500MB`".into()
        } else {
            "write seconds or a number with a unit: `86400`, `1d`, `5m`".into()
        });
        default
    })
}

/// A default of the schema (`spec::defaults`), in the units people write.
fn default(text: &str, parse: fn(&str) -> Option<u64>) -> u64 {
    parse(text).expect("the schema's cache defaults parse")
}

/// The edge cache settings, with defaults; `None` outside the glance-cache topology.
pub(super) fn check_cache(c: &mut Checker, spec: &Spec) -> Option<CacheSettings> {
    let glance_cache = spec
        .topology
        .as_ref()
        .is_some_and(|t| t.value == Topology::GlanceCache);
    let largest = spec.glance.largest_image.as_ref().map(|l| {
        (
            quantity(c, &spec.glance.largest_image, 0, parse_size, "size"),
            l.span,
        )
    });
    if !glance_cache {
        return None;
    }
    let empty = spec::Cache::default();
    let cache = spec.glance.cache.as_ref().map_or(&empty, |l| &l.value);
    let (dir, dir_span) = or_default(&cache.dir, defaults::cache_dir().to_string());
    c.name(
        &dir,
        dir_span,
        "path",
        Code::WrongType,
        AbsPath::parse,
        AbsPath::RULE,
    );
    let max_size = quantity(
        c,
        &cache.max_size,
        default(defaults::cache_size(), parse_size),
        parse_size,
        "size",
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
            default(defaults::stall_time(), parse_duration),
            parse_duration,
            "duration",
        ),
        prefetcher_interval: quantity(
            c,
            &cache.prefetcher_interval,
            default(defaults::prefetch(), parse_duration),
            parse_duration,
            "duration",
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
