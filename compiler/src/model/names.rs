//! The name newtypes of the model (`ClusterName`, `StackName`, `SiteName`, `StoreId`,
//! `CephUser`, `PoolName`, `Fsid`, `AbsPath`, `DevicePath`): each can only hold a value its rule
//! allows, and carries that rule (`RULE`) for error messages.

use std::fmt;

use serde::Serialize;

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $valid:expr, $rule:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// What a valid value looks like, for error messages.
            pub const RULE: &'static str = $rule;

            pub fn parse(s: &str) -> Option<Self> {
                let valid: fn(&str) -> bool = $valid;
                valid(s).then(|| $name(s.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

name_type!(
    /// A Ceph cluster name as TripleO's `CephClusterName` allows it: `[a-zA-Z0-9]+`.
    ClusterName,
    |s| !s.is_empty() && s.len() <= 64 && s.chars().all(is_alnum),
    "letters and digits only (`[a-zA-Z0-9]+`)"
);

name_type!(
    /// A heat stack name: a letter, then letters, digits, `_`, `-` or `.`; at most 255 characters.
    StackName,
    |s| s.len() <= 255
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "a letter followed by letters, digits, `_`, `-` or `.` (at most 255)"
);

name_type!(
    /// A site name, used in file names of the output tree: no path separators, no dot files.
    SiteName,
    |s| !s.is_empty()
        && s.len() <= 128
        && s.starts_with(is_alnum)
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "a letter or digit followed by letters, digits, `_`, `-` or `.`"
);

name_type!(
    /// A Glance store id: `GlanceBackendID`'s pattern `[a-zA-Z0-9_-]+`, not the reserved `os_glance_` prefix.
    StoreId,
    |s| !s.is_empty()
        && s.len() <= 255
        && s.chars().all(|c| is_alnum(c) || c == '_' || c == '-')
        && !s.starts_with("os_glance_"),
    "letters, digits, `_` or `-` (`[a-zA-Z0-9_-]+`), not starting with `os_glance_`"
);

name_type!(
    /// A cephx user name without the `client.` prefix, e.g. `openstack` or `dcn0.glance`.
    CephUser,
    |s| !s.is_empty()
        && s.len() <= 128
        && !s.starts_with("client.")
        && s.starts_with(is_alnum)
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "letters, digits, `_`, `-` or `.`, without the `client.` prefix"
);

name_type!(
    /// A Ceph pool name.
    PoolName,
    |s| !s.is_empty()
        && s.len() <= 128
        && s.starts_with(is_alnum)
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "letters, digits, `_`, `-` or `.`"
);

name_type!(
    /// A Ceph fsid: a UUID in its canonical lower-case 8-4-4-4-12 hex form.
    Fsid,
    |s| {
        let b = s.as_bytes();
        b.len() == 36
            && b.iter().enumerate().all(|(i, &c)| match i {
                8 | 13 | 18 | 23 => c == b'-',
                _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
            })
    },
    "a UUID like `6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60` (lower-case hex)"
);

name_type!(
    /// An absolute path that scripts and configuration files can carry without quoting.
    AbsPath,
    |s| s.starts_with('/')
        && s.len() <= 4096
        && !s.contains(['\'', '"', ' ', '$', '`', '\\', '#', ';'])
        && !s.chars().any(|c| c.is_control() || c.is_whitespace()),
    "an absolute path without quotes, whitespace, control characters, `$`, backticks, backslashes, `#` or `;`"
);

name_type!(
    /// A block device of a Ceph OSD node, as ceph-ansible's `devices` and cephadm's
    /// `data_devices: {paths}` take it: `/dev/sdb`, `/dev/disk/by-path/pci-0000:00:1f.2-ata-2`.
    DevicePath,
    |s| s.len() > 5
        && s.len() <= 255
        && s.starts_with("/dev/")
        && s.split('/').skip(2).all(|c| !c.is_empty() && c != "." && c != "..")
        && s.chars().all(|c| is_alnum(c) || "/_.:@+-".contains(c)),
    "a device under `/dev/` (letters, digits, `/`, `_`, `.`, `:`, `@`, `+`, `-`), e.g. `/dev/sdb`"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hold_only_valid_values() {
        assert!(ClusterName::parse("dcn0").is_some());
        assert!(ClusterName::parse("control-plane").is_none());
        assert!(ClusterName::parse("").is_none());
        assert!(StackName::parse("control-plane").is_some());
        assert!(StackName::parse("0abc").is_none());
        assert!(StoreId::parse("os_glance_staging_store").is_none());
        assert!(StoreId::parse("dcn_0-a").is_some());
        assert!(SiteName::parse("../x").is_none());
        assert!(SiteName::parse(".hidden").is_none());
        assert!(CephUser::parse("client.openstack").is_none());
        assert!(CephUser::parse("dcn0.glance").is_some());
        assert!(DevicePath::parse("/dev/sdb").is_some());
        assert!(DevicePath::parse("/dev/disk/by-path/pci-0000:00:1f.2-ata-2").is_some());
        for bad in [
            "/dev/",
            "sdb",
            "/dev/../etc/passwd",
            "/dev//sdb",
            "/dev/sd b",
            "/dev/$x",
        ] {
            assert!(DevicePath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn fsid_is_a_canonical_uuid() {
        assert!(Fsid::parse("6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60").is_some());
        assert!(Fsid::parse("6A9C7E52-2b1f-4e0a-9c55-1d2f3a4b5c60").is_none());
        assert!(Fsid::parse("6a9c7e522b1f4e0a9c551d2f3a4b5c60").is_none());
        assert!(Fsid::parse("6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c6g").is_none());
    }
}
