//! English phrasing shared by the messages: lists, counts, days.

use chrono::{Datelike, NaiveDate};

/// Joins items as "A", "A and B", "A, B, and C" (serial comma from three items on).
pub fn join_list<S: AsRef<str>>(items: &[S]) -> String {
    join_list_with(items, items.len() >= 3)
}

/// Joins items with commas and a final "and"; `serial` puts a comma before the "and"
/// whenever there are two or more items before it.
pub fn join_list_with<S: AsRef<str>>(items: &[S], serial: bool) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [a, b] if !serial => format!("{} and {}", a.as_ref(), b.as_ref()),
        [init @ .., last] => {
            let head: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{}, and {}", head.join(", "), last.as_ref())
        }
    }
}

/// "Go 1.16.1 and Go 1.15.9": each version with the project's name, joined.
pub fn spoken_versions<S: AsRef<str>>(name: &str, versions: &[S]) -> String {
    let named: Vec<String> = versions
        .iter()
        .map(|v| format!("{name} {}", v.as_ref()))
        .collect();
    join_list(&named)
}

/// "1 security fix", "3 security fixes".
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// "Tuesday, July 12": weekday, month and day, without the year.
pub fn weekday_and_date(day: NaiveDate) -> String {
    day.format("%A, %B ").to_string() + &day.day().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_join_with_serial_comma_from_three_items() {
        assert_eq!(join_list::<&str>(&[]), "");
        assert_eq!(join_list(&["A"]), "A");
        assert_eq!(join_list(&["A", "B"]), "A and B");
        assert_eq!(join_list(&["A", "B", "C"]), "A, B, and C");
        assert_eq!(join_list_with(&["A", "B"], true), "A, and B");
    }

    #[test]
    fn counts_and_days_read_naturally() {
        assert_eq!(count(1, "security fix", "security fixes"), "1 security fix");
        assert_eq!(
            count(3, "security fix", "security fixes"),
            "3 security fixes"
        );
        let day = NaiveDate::from_ymd_opt(2022, 7, 12).unwrap();
        assert_eq!(weekday_and_date(day), "Tuesday, July 12");
    }
}
