//! Built-in `date` and `time` entities, resolved against the session clock and UTC offset:
//! "today", "tonight", "tomorrow", "the day after tomorrow", "yesterday", "next Friday", "this Friday",
//! "on Friday", "in 3 days", "in two weeks", "next week", "12 March", "March 12th", "12th of March 2027",
//! "2026-03-12"; times "at 5pm", "17:30", "5:30 pm", "noon".
//!
//! Values are ISO strings (`2026-03-12`, `17:30`) so slots and templates stay plain text. A bare weekday or
//! "this Friday" is the next such day counting today; "next Friday" is the next one after today. A day and
//! month without a year that already passed this year means next year. Hand-written (no `chrono`): the
//! calendar arithmetic is two well-known functions (Howard Hinnant's days-from-civil) and the grammar is a
//! token scanner, which keeps the crate small and the behaviour exact.

use crate::builtin::{entity, number_word};
use crate::text::Token;
use colloquy_core::Entity;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn iso(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn month_of(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('.');
    MONTHS
        .iter()
        .position(|m| *m == w || (w.len() >= 3 && m.starts_with(w)))
        .map(|i| i as u32 + 1)
}

fn weekday_of(w: &str) -> Option<i64> {
    WEEKDAYS
        .iter()
        .position(|d| *d == w || (w.len() >= 3 && d.starts_with(w)))
        .map(|i| i as i64)
}

fn day_number(w: &str) -> Option<u32> {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn small_number(w: &str) -> Option<i64> {
    w.parse::<i64>()
        .ok()
        .filter(|n| (0..=366).contains(n))
        .or_else(|| number_word(w).map(i64::from))
        .or_else(|| matches!(w, "a" | "an").then_some(1))
}

/// Dates and times in `text`. `now_ms` is the Unix time in ms; `utc_offset_minutes` the user's offset.
pub fn find(text: &str, tokens: &[Token], now_ms: u64, utc_offset_minutes: i32) -> Vec<Entity> {
    let local_ms = now_ms as i64 + i64::from(utc_offset_minutes) * 60_000;
    let today = local_ms.div_euclid(86_400_000);
    let weekday_today = (today + 3).rem_euclid(7); // 1970-01-01 was a Thursday (index 3)
    let w = |i: usize| tokens.get(i).map_or("", |t| t.norm.as_str());
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (day, used) = match_date(&w, i, today, weekday_today);
        if let Some(day) = day {
            out.push(entity(
                "date",
                &iso(day),
                text,
                tokens[i].start,
                tokens[i + used - 1].end,
            ));
            i += used;
            continue;
        }
        if let Some((hm, used)) = match_time(text, tokens, i) {
            out.push(entity(
                "time",
                &hm,
                text,
                tokens[i].start,
                tokens[i + used - 1].end,
            ));
            i += used;
            continue;
        }
        i += 1;
    }
    out
}

fn match_date<'a>(
    w: &dyn Fn(usize) -> &'a str,
    i: usize,
    today: i64,
    wd_today: i64,
) -> (Option<i64>, usize) {
    let next_weekday = |target: i64, strictly_after: bool| {
        let mut delta = (target - wd_today).rem_euclid(7);
        if strictly_after && delta == 0 {
            delta = 7;
        }
        today + delta
    };
    match w(i) {
        "today" | "tonight" => return (Some(today), 1),
        "tomorrow" | "tmrw" | "tomorow" => return (Some(today + 1), 1),
        "yesterday" => return (Some(today - 1), 1),
        "the" if w(i + 1) == "day" && w(i + 2) == "after" && w(i + 3) == "tomorrow" => {
            return (Some(today + 2), 4);
        }
        "day" if w(i + 1) == "after" && w(i + 2) == "tomorrow" => return (Some(today + 2), 3),
        "next" | "this" | "coming" => {
            if let Some(d) = weekday_of(w(i + 1)) {
                return (Some(next_weekday(d, w(i) == "next")), 2);
            }
            if w(i) == "next" && w(i + 1) == "week" {
                return (Some(today + 7), 2);
            }
        }
        "in" => {
            if let Some(n) = small_number(w(i + 1)) {
                let unit = match w(i + 2) {
                    "day" | "days" => Some(1),
                    "week" | "weeks" => Some(7),
                    _ => None,
                };
                if let Some(u) = unit {
                    return (Some(today + n * u), 3);
                }
            }
        }
        _ => {}
    }
    if let Some(d) = weekday_of(w(i)).filter(|_| w(i).len() >= 3 && month_of(w(i)).is_none()) {
        return (Some(next_weekday(d, false)), 1);
    }
    if let Some((y, m, d)) = iso_date(w(i), w(i + 1), w(i + 2)) {
        return (Some(days_from_civil(y, m, d)), 3);
    }
    // "12 March", "12th of March", "March 12", with an optional year.
    let (day, month, mut used) = if let (Some(d), Some(m)) = (day_number(w(i)), month_of(w(i + 1)))
    {
        (d, m, 2)
    } else if let (Some(d), "of", Some(m)) = (day_number(w(i)), w(i + 1), month_of(w(i + 2))) {
        (d, m, 3)
    } else if let (Some(m), Some(d)) = (month_of(w(i)), day_number(w(i + 1))) {
        (d, m, 2)
    } else {
        return (None, 0);
    };
    let (this_year, _, _) = civil_from_days(today);
    let year = match w(i + used).parse::<i64>() {
        Ok(y) if (1900..=2200).contains(&y) => {
            used += 1;
            y
        }
        _ => {
            let d = days_from_civil(this_year, month, day);
            if d < today { this_year + 1 } else { this_year }
        }
    };
    let (_, m2, d2) = civil_from_days(days_from_civil(year, month, day));
    if (m2, d2) != (month, day) {
        return (None, 0); // 31 February
    }
    (Some(days_from_civil(year, month, day)), used)
}

/// `2026-03-12` arrives as three tokens because `-` separates words.
fn iso_date(a: &str, b: &str, c: &str) -> Option<(i64, u32, u32)> {
    if a.len() != 4 || b.len() != 2 || c.len() != 2 {
        return None;
    }
    let (y, m, d) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

fn match_time(text: &str, tokens: &[Token], i: usize) -> Option<(String, usize)> {
    let w = |k: usize| tokens.get(k).map_or("", |t| t.norm.as_str());
    match w(i) {
        "noon" | "midday" => return Some(("12:00".into(), 1)),
        "midnight" => return Some(("00:00".into(), 1)),
        _ => {}
    }
    let (h, mut used, mut minute) = if let Some(h) = hour_ampm(w(i)) {
        return Some((format!("{:02}:00", h), 1));
    } else {
        (w(i).parse::<u32>().ok().filter(|h| *h <= 24)?, 1, None)
    };
    // "17:30": the colon separates two tokens; require it to be exactly one ':' between them.
    if let Some(next) = tokens.get(i + 1)
        && &text[tokens[i].end..next.start] == ":"
        && next.norm.is_ascii()
        && (next.norm.len() == 2 || next.norm.len() == 4)
    {
        let (digits, suffix) = next.norm.split_at(2);
        minute = digits.parse::<u32>().ok().filter(|m| *m < 60);
        if minute.is_some() {
            used = 2;
            if let Some(h2) = apply_ampm(h, suffix).filter(|_| !suffix.is_empty()) {
                return Some((format!("{h2:02}:{:02}", minute.unwrap_or(0)), used));
            }
        }
    }
    let ampm = w(i + used);
    if matches!(ampm, "am" | "pm") {
        let h2 = apply_ampm(h, ampm)?;
        return Some((format!("{h2:02}:{:02}", minute.unwrap_or(0)), used + 1));
    }
    let after_at = i > 0 && w(i - 1) == "at";
    (minute.is_some() || (after_at && h <= 23))
        .then(|| (format!("{h:02}:{:02}", minute.unwrap_or(0)), used))
}

fn hour_ampm(w: &str) -> Option<u32> {
    let (digits, suffix) = w.split_at(w.find(|c: char| !c.is_ascii_digit())?);
    apply_ampm(digits.parse().ok()?, suffix).filter(|_| !suffix.is_empty())
}

fn apply_ampm(h: u32, suffix: &str) -> Option<u32> {
    match suffix {
        "" => Some(h),
        "am" if (1..=12).contains(&h) => Some(h % 12),
        "pm" if (1..=12).contains(&h) => Some(h % 12 + 12),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    /// 2026-11-25 (a Wednesday) 09:00 UTC.
    const NOW: u64 = 1_795_597_200_000;

    fn values(text: &str, offset: i32) -> Vec<(String, String)> {
        find(text, &tokens(text), NOW, offset)
            .into_iter()
            .map(|e| (e.kind, e.value))
            .collect()
    }

    fn dates(text: &str) -> Vec<String> {
        values(text, 0).into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn calendar_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(iso((NOW / 86_400_000) as i64), "2026-11-25");
    }

    #[test]
    fn relative_and_absolute_dates() {
        assert_eq!(dates("tomorrow"), ["2026-11-26"]);
        assert_eq!(dates("the day after tomorrow"), ["2026-11-27"]);
        assert_eq!(dates("next Friday"), ["2026-11-27"]);
        assert_eq!(dates("on Wednesday"), ["2026-11-25"]);
        assert_eq!(dates("next wednesday"), ["2026-12-02"]);
        assert_eq!(dates("in 3 days"), ["2026-11-28"]);
        assert_eq!(dates("in two weeks"), ["2026-12-09"]);
        assert_eq!(dates("on 12 March"), ["2027-03-12"]);
        assert_eq!(dates("December 1st"), ["2026-12-01"]);
        assert_eq!(dates("12th of March 2026"), ["2026-03-12"]);
        assert_eq!(dates("2026-03-12"), ["2026-03-12"]);
        assert!(dates("31 February").is_empty());
        assert!(dates("may I fly").is_empty());
    }

    #[test]
    fn time_zone_moves_the_day_and_times_parse() {
        // The UTC offset decides which local day "today" is.
        assert_eq!(values("today", 15 * 60)[0].1, "2026-11-26");
        assert_eq!(values("today", -10 * 60)[0].1, "2026-11-24");
        assert_eq!(values("at 5pm", 0), [("time".into(), "17:00".into())]);
        assert_eq!(values("17:30", 0), [("time".into(), "17:30".into())]);
        assert_eq!(values("5:30 pm", 0), [("time".into(), "17:30".into())]);
        assert_eq!(values("at 9", 0), [("time".into(), "09:00".into())]);
        assert!(values("9 bags", 0).is_empty());
        // Found by the property test: a non-ASCII word after "0:" once split a char in two.
        assert!(values("0:ఽa ", 0).is_empty());
    }
}
