//! Values as heat's consumers read them: compared by the parameter's type (comma lists, heat
//! booleans, numbers, JSON), with the defaults puppet-tripleo fills in, and shown short with
//! where they were set.

use serde_json::Value as Json;

use crate::import::deployment::{Origin, Setting};
use crate::import::source::Sources;
use crate::params::ParamType;

/// Whether two values (or their absence) are the same to heat, by the parameter's type.
pub(super) fn equal(key: &str, a: Option<&Json>, b: Option<&Json>, ty: Option<ParamType>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => normal_param(key, a, ty) == normal_param(key, b, ty),
        _ => false,
    }
}

/// A value as heat's consumers read it: `GlanceMultistoreConfig` entries without a
/// `CephClientUserName` take the global one (puppet-tripleo's glance backend rbd.pp), which is
/// `openstack` unless the stack sets another.
pub(super) fn normal_param(key: &str, v: &Json, ty: Option<ParamType>) -> Json {
    let mut n = normal(v, ty);
    if key == "GlanceMultistoreConfig" {
        if let Json::Object(stores) = &mut n {
            for e in stores.values_mut() {
                if let Json::Object(e) = e {
                    if e.get("CephClientUserName").and_then(Json::as_str) == Some("openstack") {
                        e.remove("CephClientUserName");
                    }
                }
            }
        }
    }
    n
}

fn normal(v: &Json, ty: Option<ParamType>) -> Json {
    match (ty, v) {
        (Some(ParamType::CommaDelimitedList), Json::String(s)) => Json::Array(
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(|x| Json::String(x.trim().to_string()))
                .collect(),
        ),
        (Some(ParamType::CommaDelimitedList), Json::Array(a)) => Json::Array(
            a.iter()
                .map(|x| {
                    Json::String(
                        x.as_str()
                            .map_or_else(|| x.to_string(), |s| s.trim().to_string()),
                    )
                })
                .collect(),
        ),
        (Some(ParamType::Boolean), _) => {
            crate::import::mapping::heat_bool(v).map_or(v.clone(), Json::Bool)
        }
        (Some(ParamType::Number), Json::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(v.clone(), Json::Number),
        (Some(ParamType::Number), Json::Number(n)) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(v.clone(), Json::Number),
        (Some(ParamType::Json), Json::String(s)) => serde_json::from_str(s).unwrap_or(v.clone()),
        (Some(ParamType::String), Json::Bool(b)) => {
            Json::String(if *b { "True" } else { "False" }.into())
        }
        (Some(ParamType::String), Json::Number(n)) => Json::String(n.to_string()),
        _ => v.clone(),
    }
}

pub(super) fn show(v: Option<&Json>, default: Option<&Json>) -> String {
    match (v, default) {
        (Some(v), _) => compact(v),
        (None, Some(d)) => format!("{} (THT's default)", compact(d)),
        (None, None) => "not set".into(),
    }
}

fn compact(v: &Json) -> String {
    let s = match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

pub(super) fn origin_text(s: Option<&Setting>, sources: &Sources) -> String {
    match s.map(|s| &s.origin) {
        None => String::new(),
        Some(Origin::File { value, .. }) => sources.show(*value),
        Some(Origin::Tht(t)) => match t.strip_prefix("<dcnc>") {
            Some(p) => p.to_string(),
            None => format!("THT {t}"),
        },
        Some(Origin::Cli(l)) => format!("{} (command line)", sources.show(*l)),
        Some(Origin::Export(l)) => format!("{} (an export)", sources.show(*l)),
    }
}
