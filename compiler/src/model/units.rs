//! The units of the spec's sizes and durations: `parse_size` (bytes, decimal and binary
//! units) and `parse_duration` (seconds).

/// Parses a byte size: `10737418240`, `10GiB`, `512 MB`. Decimal units are powers of 1000,
/// binary ones (`KiB`...) powers of 1024.
pub fn parse_size(s: &str) -> Option<u64> {
    let (num, unit) = split_unit(s)?;
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "tb" | "t" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    scale(num, factor)
}

/// Parses a duration in seconds: `86400`, `1d`, `5m`, `30s`, `2h`.
pub fn parse_duration(s: &str) -> Option<u64> {
    let (num, unit) = split_unit(s)?;
    let factor = match unit {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    scale(num, factor)
}

fn split_unit(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(end);
    (!num.is_empty()).then_some((num, unit.trim()))
}

fn scale(num: &str, factor: u64) -> Option<u64> {
    match num.split_once('.') {
        None => num.parse::<u64>().ok()?.checked_mul(factor),
        Some((whole, frac)) if !frac.is_empty() && frac.len() <= 9 => {
            let whole = whole.parse::<u64>().unwrap_or(0).checked_mul(factor)?;
            let frac_value: u64 = frac.parse().ok()?;
            let part = (frac_value as u128 * factor as u128 / 10u128.pow(frac.len() as u32)) as u64;
            whole.checked_add(part)
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("10GiB"), Some(10_737_418_240));
        assert_eq!(parse_size("10737418240"), Some(10_737_418_240));
        assert_eq!(parse_size("1.5 GB"), Some(1_500_000_000));
        assert_eq!(parse_size("512MiB"), Some(536_870_912));
        assert_eq!(parse_size("10 parsecs"), None);
        assert_eq!(parse_size("GiB"), None);
        assert_eq!(parse_size("99999999999TiB"), None);
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("300"), Some(300));
        assert_eq!(parse_duration("1y"), None);
    }
}
