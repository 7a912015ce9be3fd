//! Lists of names in a message: the first few and a count of the rest, so that a line about a
//! 1,000-edge spec stays one readable line.

/// The most names a message lists; the rest are counted.
pub const LISTED: usize = 8;

/// `names` joined with `, ` for a message, the first [`LISTED`] of them and a count of the rest
/// (`a, b, c and 995 more`).
pub fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(LISTED).map(AsRef::as_ref).collect();
    match names.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        rest => format!("{} and {rest} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists_count_what_they_leave_out() {
        let names: Vec<String> = (0..10).map(|i| format!("dcn{i}")).collect();
        assert_eq!(name_list(&names[..1]), "dcn0");
        assert_eq!(
            name_list(&names[..LISTED]),
            "dcn0, dcn1, dcn2, dcn3, dcn4, dcn5, dcn6, dcn7"
        );
        assert_eq!(
            name_list(&names),
            "dcn0, dcn1, dcn2, dcn3, dcn4, dcn5, dcn6, dcn7 and 2 more"
        );
        assert_eq!(name_list::<&str>(&[]), "");
    }
}
