//! LEAF (any stage), journal dates: Logseq's Joda-style patterns (`MMM do, yyyy`, `yyyy_MM_dd`, ...).
//!
//! Logseq names a journal page by `:journal/page-title-format` and its file by
//! `:journal/file-name-format`. A page (from a file or a reference) is a journal
//! when its name parses with the title format or one of three built-in formats.
//! Parsing here is strict: every character of the name must be consumed.

use std::fmt::Write;

/// A calendar day.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Date {
    /// Year, e.g. 2024.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// The formats every Logseq graph recognises as journal names, besides its own title format.
pub const BUILTIN_FORMATS: [&str; 3] = ["MMM do, yyyy", "yyyy-MM-dd", "yyyy_MM_dd"];

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Day of the week, 0 = Monday.
    pub fn weekday(self) -> usize {
        // Days since 1970-01-01 (a Thursday), Howard Hinnant's civil algorithm.
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        (days + 3).rem_euclid(7) as usize
    }

    /// `yyyyMMdd` as a number, Logseq's `journal-day`.
    pub fn as_number(self) -> u32 {
        self.year.max(0) as u32 * 10_000 + self.month * 100 + self.day
    }

    /// ISO `yyyy-MM-dd`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Field(char, usize),
    Ordinal,
    Literal(String),
}

fn tokenize(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let end =
                chars[i + 1..].iter().position(|&c| c == '\'').map_or(chars.len(), |p| i + 1 + p);
            tokens.push(Token::Literal(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if matches!(c, 'y' | 'M' | 'd' | 'E') {
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            i += run;
            if c == 'd' && chars.get(i) == Some(&'o') {
                i += 1;
                tokens.push(Token::Ordinal);
            } else {
                tokens.push(Token::Field(c, run));
            }
        } else {
            tokens.push(Token::Literal(c.to_string()));
            i += 1;
        }
    }
    tokens
}

fn ordinal_suffix(day: u32) -> &'static str {
    match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// Formats `date` with a Logseq date pattern.
pub fn format(date: Date, pattern: &str) -> String {
    let mut out = String::new();
    for token in tokenize(pattern) {
        let _ = match token {
            Token::Literal(text) => write!(out, "{text}"),
            Token::Ordinal => write!(out, "{}{}", date.day, ordinal_suffix(date.day)),
            Token::Field('y', 2) => write!(out, "{:02}", date.year.rem_euclid(100)),
            Token::Field('y', n) => write!(out, "{:0n$}", date.year),
            Token::Field('M', n) if n >= 4 => write!(out, "{}", MONTHS[date.month as usize - 1]),
            Token::Field('M', 3) => write!(out, "{}", &MONTHS[date.month as usize - 1][..3]),
            Token::Field('M', n) => write!(out, "{:0n$}", date.month),
            Token::Field('d', n) => write!(out, "{:0n$}", date.day),
            Token::Field(_, n) if n >= 4 => write!(out, "{}", WEEKDAYS[date.weekday()]),
            Token::Field(_, _) => write!(out, "{}", &WEEKDAYS[date.weekday()][..3]),
        };
    }
    out
}

/// Parses `text` strictly with a Logseq date pattern (case-insensitive names).
pub fn parse(text: &str, pattern: &str) -> Option<Date> {
    let mut rest = text;
    let (mut year, mut month, mut day) = (None, None, None);
    for token in tokenize(pattern) {
        match token {
            Token::Literal(lit) => rest = strip_prefix_ci(rest, &lit)?,
            Token::Ordinal => {
                let (n, r) = digits(rest, 1, 2)?;
                rest = strip_prefix_ci(r, ordinal_suffix(n))?;
                day = Some(n);
            }
            Token::Field('y', 2) => {
                let (n, r) = digits(rest, 2, 2)?;
                year = Some(2000 + n as i32);
                rest = r;
            }
            Token::Field('y', _) => {
                let (n, r) = digits(rest, 4, 4)?;
                year = Some(n as i32);
                rest = r;
            }
            Token::Field('M', n) if n >= 3 => {
                let (m, r) = name(rest, &MONTHS, n == 3)?;
                month = Some(m as u32 + 1);
                rest = r;
            }
            Token::Field('M', n) => {
                let (m, r) = digits(rest, n, 2)?;
                month = Some(m);
                rest = r;
            }
            Token::Field('d', n) => {
                let (d, r) = digits(rest, n, 2)?;
                day = Some(d);
                rest = r;
            }
            Token::Field(_, n) => rest = name(rest, &WEEKDAYS, n < 4)?.1,
        }
    }
    if !rest.is_empty() {
        return None;
    }
    Date::new(year?, month?, day?)
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

fn digits(text: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let len = text.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if len < min {
        return None;
    }
    Some((text[..len].parse().ok()?, &text[len..]))
}

fn name<'a>(text: &'a str, names: &[&str], short: bool) -> Option<(usize, &'a str)> {
    names.iter().enumerate().find_map(|(i, full)| {
        let wanted = if short { &full[..3] } else { full };
        strip_prefix_ci(text, wanted).map(|rest| (i, rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u32, day: u32) -> Date {
        Date::new(year, month, day).unwrap()
    }

    #[test]
    fn formats_logseq_default_title() {
        assert_eq!(format(d(2024, 1, 5), "MMM do, yyyy"), "Jan 5th, 2024");
        assert_eq!(format(d(2024, 3, 22), "MMM do, yyyy"), "Mar 22nd, 2024");
        assert_eq!(format(d(2024, 3, 13), "MMM do, yyyy"), "Mar 13th, 2024");
        assert_eq!(format(d(2021, 3, 1), "MMMM do, yyyy"), "March 1st, 2021");
    }

    #[test]
    fn formats_weekdays_and_literals() {
        assert_eq!(format(d(2024, 1, 5), "EEE, yyyy/MM/dd"), "Fri, 2024/01/05");
        assert_eq!(format(d(2024, 1, 5), "EEEE, dd.MM.yyyy"), "Friday, 05.01.2024");
        assert_eq!(format(d(2024, 1, 5), "yyyy年MM月dd日"), "2024年01月05日");
        assert_eq!(format(d(2000, 2, 29), "E, yyyy-MM-dd"), "Tue, 2000-02-29");
    }

    #[test]
    fn parses_strictly() {
        assert_eq!(parse("2024_01_05", "yyyy_MM_dd"), Some(d(2024, 1, 5)));
        assert_eq!(parse("jan 5th, 2024", "MMM do, yyyy"), Some(d(2024, 1, 5)));
        assert_eq!(parse("Fri, 2024/01/05", "EEE, yyyy/MM/dd"), Some(d(2024, 1, 5)));
        assert_eq!(parse("2023_12_16 (bb381aa8)", "yyyy_MM_dd"), None);
        assert_eq!(parse("2022-08", "yyyy-MM-dd"), None);
        assert_eq!(parse("2023_02_30", "yyyy_MM_dd"), None);
        assert_eq!(parse("Jan 5st, 2024", "MMM do, yyyy"), None);
    }

    #[test]
    fn round_trips_every_day_of_a_leap_year() {
        for pattern in ["MMM do, yyyy", "yyyy_MM_dd", "EEEE, MMMM d yyyy"] {
            for month in 1..=12 {
                for day in 1..=days_in_month(2024, month) {
                    let date = d(2024, month, day);
                    assert_eq!(parse(&format(date, pattern), pattern), Some(date), "{pattern}");
                }
            }
        }
    }
}
