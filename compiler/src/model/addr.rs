//! Network addresses of the model: a Ceph mon address (`MonAddr`, with its messenger
//! protocol `Msgr`) and a Glance API endpoint (`Endpoint`), parsed from the spec's forms and
//! printed in the forms the generated files need.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

/// port 3300) prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Msgr {
    V1,
    V2,
}

/// A Ceph monitor address: an IP with an optional port and an optional protocol prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonAddr {
    pub msgr: Option<Msgr>,
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl MonAddr {
    /// Accepts `1.2.3.4`, `1.2.3.4:6789`, `fd00::1`, `[fd00::1]` and `[fd00::1]:6789`, each
    /// optionally after `v1:` or `v2:` (Ceph reads a bare port other than 6789 as msgr2, so a
    /// v1-only mon on another port needs `v1:`).
    pub fn parse(s: &str) -> Option<Self> {
        let (msgr, rest) = match s.split_once(':') {
            Some(("v1", rest)) => (Some(Msgr::V1), rest),
            Some(("v2", rest)) => (Some(Msgr::V2), rest),
            _ => (None, s),
        };
        let (ip, port) = parse_ip_port(rest)?;
        Some(MonAddr { msgr, ip, port })
    }
}

/// An IP with an optional port: `1.2.3.4`, `1.2.3.4:6789`, `fd00::1`, `[fd00::1]`, `[fd00::1]:80`.
fn parse_ip_port(s: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some((ip, None));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let ip: std::net::Ipv6Addr = ip.parse().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        return Some((IpAddr::V6(ip), port));
    }
    let (ip, port) = s.rsplit_once(':')?;
    let ip: std::net::Ipv4Addr = ip.parse().ok()?;
    Some((IpAddr::V4(ip), Some(port.parse().ok()?)))
}

/// `ip` or `ip:port`, with IPv6 in brackets.
fn fmt_ip_port(f: &mut fmt::Formatter<'_>, ip: IpAddr, port: Option<u16>) -> fmt::Result {
    match (ip, port) {
        (IpAddr::V4(ip), None) => write!(f, "{ip}"),
        (IpAddr::V4(ip), Some(p)) => write!(f, "{ip}:{p}"),
        (IpAddr::V6(ip), None) => write!(f, "[{ip}]"),
        (IpAddr::V6(ip), Some(p)) => write!(f, "[{ip}]:{p}"),
    }
}

impl fmt::Display for MonAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.msgr {
            Some(Msgr::V1) => f.write_str("v1:")?,
            Some(Msgr::V2) => f.write_str("v2:")?,
            None => {}
        }
        fmt_ip_port(f, self.ip, self.port)
    }
}

impl Serialize for MonAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An HTTP endpoint of a Glance API: host (an IP) and port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// `http://<host>:<port>`, with IPv6 hosts in brackets.
    pub url: String,
    /// The host.
    #[serde(skip)]
    pub ip: IpAddr,
    /// The port.
    #[serde(skip)]
    pub port: u16,
}

impl Endpoint {
    /// Accepts an IP, `IP:port`, `[v6]:port`, or an `http(s)://` URL of those.
    pub fn parse(s: &str, default_port: u16) -> Option<Self> {
        let (scheme, rest) = match s.split_once("://") {
            Some((sch @ ("http" | "https"), rest)) => (sch, rest.trim_end_matches('/')),
            Some(_) => return None,
            None => ("http", s),
        };
        let (ip, port) = parse_ip_port(rest)?;
        let port = port.unwrap_or(default_port);
        let host = match ip {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        Some(Endpoint {
            url: format!("{scheme}://{host}:{port}"),
            ip,
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mon_addresses() {
        for ok in [
            "10.0.0.1",
            "10.0.0.1:6789",
            "fd00::1",
            "[fd00::1]",
            "[fd00::1]:3300",
        ] {
            assert!(MonAddr::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "host",
            "10.0.0",
            "10.0.0.1:",
            "10.0.0.1:99999",
            "[fd00::1",
            "fd00::1:x",
        ] {
            assert!(MonAddr::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            MonAddr::parse("[fd00::1]:3300").unwrap().to_string(),
            "[fd00::1]:3300"
        );
        for prefixed in [
            "v1:10.0.0.1:16789",
            "v2:10.0.0.1",
            "v1:[fd00::1]:6789",
            "v2:fd00::1",
        ] {
            let m = MonAddr::parse(prefixed).unwrap_or_else(|| panic!("{prefixed}"));
            assert!(m.msgr.is_some(), "{prefixed}");
        }
        assert_eq!(
            MonAddr::parse("v2:fd00::1").unwrap().to_string(),
            "v2:[fd00::1]"
        );
        for bad in ["v3:10.0.0.1", "v1:", "v1:host", "v1:v2:10.0.0.1"] {
            assert!(MonAddr::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn endpoints_get_a_scheme_and_port() {
        let e = |s| Endpoint::parse(s, 9292).map(|e| e.url);
        assert_eq!(
            e("172.16.13.212").as_deref(),
            Some("http://172.16.13.212:9292")
        );
        assert_eq!(
            e("https://10.0.0.1:443/").as_deref(),
            Some("https://10.0.0.1:443")
        );
        assert_eq!(e("fd00::5").as_deref(), Some("http://[fd00::5]:9292"));
        assert_eq!(e("ftp://10.0.0.1"), None);
        assert_eq!(e("v1:10.0.0.1"), None);
        assert_eq!(e("glance.example"), None);
    }
}
