//! When messages were sent, as the reader sees it: the time and day in their zone, the day
//! separators ("Today", "Yesterday", a date) and which messages continue a run from one person.
//! The server renders in UTC (it does not know the reader's zone); the browser re-renders in
//! local time once hydrated.

/// How long after someone's message their next one still belongs to the same run.
pub const RUN_GAP_MS: f64 = 5.0 * 60.0 * 1000.0;

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
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

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Day {
    /// The year, e.g. 2026.
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

impl Day {
    /// Days since 1970-01-01 (proleptic Gregorian calendar).
    fn number(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// 0 for Sunday to 6 for Saturday.
    fn weekday(self) -> usize {
        // 1970-01-01 was a Thursday.
        (self.number() + 4).rem_euclid(7) as usize
    }

    /// `2026-11-30`, for `<time datetime>`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// "Today", "Yesterday", "Monday 23 November" this year, "23 November 2025" before.
    pub fn label(self, today: Day) -> String {
        let month = MONTHS[(self.month as usize).saturating_sub(1) % 12];
        match today.number() - self.number() {
            0 => "Today".to_owned(),
            1 => "Yesterday".to_owned(),
            _ if self.year == today.year => {
                format!("{} {} {month}", WEEKDAYS[self.weekday()], self.day)
            }
            _ => format!("{} {month} {}", self.day, self.year),
        }
    }
}

/// A moment as the reader sees it: the day and time in their zone, and the instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment {
    /// The calendar day.
    pub day: Day,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// Milliseconds since the epoch, to measure gaps.
    pub epoch_ms: f64,
}

impl Moment {
    /// A stored timestamp (`2026-11-24T10:00:00.000Z`) in UTC.
    pub fn utc(timestamp: &str) -> Option<Moment> {
        let field =
            |range: std::ops::Range<usize>| -> Option<u32> { timestamp.get(range)?.parse().ok() };
        let day = Day {
            year: i32::try_from(field(0..4)?).ok()?,
            month: field(5..7).filter(|m| (1..=12).contains(m))?,
            day: field(8..10).filter(|d| (1..=31).contains(d))?,
        };
        let (hour, minute) = (field(11..13)?, field(14..16)?);
        let second = field(17..19).unwrap_or(0);
        let seconds = day.number() * 86_400
            + i64::from(hour) * 3_600
            + i64::from(minute) * 60
            + i64::from(second);
        Some(Moment {
            day,
            hour,
            minute,
            epoch_ms: seconds as f64 * 1000.0,
        })
    }

    /// A stored timestamp in the reader's zone when `local` (in the browser), else in UTC.
    pub fn of(timestamp: &str, local: bool) -> Option<Moment> {
        #[cfg(feature = "hydrate")]
        if local {
            let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(timestamp));
            return Self::from_js(&date).or_else(|| Self::utc(timestamp));
        }
        let _ = local;
        Self::utc(timestamp)
    }

    /// Now, in the reader's zone when `local`, else in UTC.
    pub fn now(local: bool) -> Option<Moment> {
        // The browser has no system clock for `std` (SystemTime panics in wasm).
        #[cfg(feature = "hydrate")]
        {
            let date = js_sys::Date::new_0();
            if local {
                Self::from_js(&date)
            } else {
                Some(Self::from_epoch_secs((date.get_time() / 1000.0) as i64))
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = local;
            let since_epoch = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            let secs = i64::try_from(since_epoch.as_secs()).ok()?;
            Some(Self::from_epoch_secs(secs))
        }
    }

    #[cfg(feature = "hydrate")]
    fn from_js(date: &js_sys::Date) -> Option<Moment> {
        let epoch_ms = date.get_time();
        if epoch_ms.is_nan() {
            return None;
        }
        Some(Moment {
            day: Day {
                year: date.get_full_year() as i32,
                month: date.get_month() + 1,
                day: date.get_date(),
            },
            hour: date.get_hours(),
            minute: date.get_minutes(),
            epoch_ms,
        })
    }

    /// The UTC moment `secs` after the epoch.
    fn from_epoch_secs(secs: i64) -> Moment {
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // The inverse of `Day::number` (civil from days).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
        Moment {
            day: Day { year, month, day },
            hour: (rest / 3_600) as u32,
            minute: (rest % 3_600 / 60) as u32,
            epoch_ms: secs as f64 * 1000.0,
        }
    }

    /// `07:45`.
    pub fn clock(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// `Monday 30 November 2026, 07:45` (with `UTC` unless local), for the tooltip.
    pub fn full(&self, local: bool) -> String {
        let day = self.day;
        format!(
            "{} {} {} {}, {}{}",
            WEEKDAYS[day.weekday()],
            day.day,
            MONTHS[(day.month as usize).saturating_sub(1) % 12],
            day.year,
            self.clock(),
            if local { "" } else { " UTC" }
        )
    }

    /// Whether a message at `self` continues a run whose previous message was at `previous`:
    /// the same day, at most [`RUN_GAP_MS`] later.
    pub fn continues(&self, previous: &Moment) -> bool {
        let gap = self.epoch_ms - previous.epoch_ms;
        self.day == previous.day && (0.0..=RUN_GAP_MS).contains(&gap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ts: &str) -> Moment {
        Moment::utc(ts).expect(ts)
    }

    #[test]
    fn parses_stored_timestamps_in_utc() {
        let m = at("2026-11-30T07:45:12.345Z");
        assert_eq!(m.day, day(2026, 11, 30));
        assert_eq!(m.clock(), "07:45");
        assert_eq!(m.full(false), "Monday 30 November 2026, 07:45 UTC");
        assert_eq!(m.epoch_ms, 1_796_024_712_000.0);
        assert!(Moment::utc("not a time").is_none());
        assert!(Moment::utc("2026-13-01T00:00:00Z").is_none());
    }

    #[test]
    fn epoch_seconds_and_days_agree_both_ways() {
        for ts in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:00Z",
            "2024-12-31T12:00:00Z",
            "2026-03-01T00:00:00Z",
        ] {
            let m = at(ts);
            assert_eq!(
                Moment::from_epoch_secs((m.epoch_ms / 1000.0) as i64),
                m,
                "{ts}"
            );
        }
        assert!(Moment::now(false).is_some_and(|now| now.day.year >= 2026));
    }

    fn day(year: i32, month: u32, day: u32) -> Day {
        Day { year, month, day }
    }

    #[test]
    fn day_labels_name_today_yesterday_then_dates() {
        let today = day(2026, 3, 1);
        assert_eq!(today.label(today), "Today");
        assert_eq!(day(2026, 2, 28).label(today), "Yesterday");
        assert_eq!(day(2026, 2, 27).label(today), "Friday 27 February");
        assert_eq!(day(2026, 1, 5).label(today), "Monday 5 January");
        assert_eq!(day(2025, 12, 31).label(today), "31 December 2025");
        assert_eq!(day(2026, 1, 5).iso(), "2026-01-05");
    }

    #[test]
    fn a_run_ends_after_five_minutes_or_at_midnight() {
        let first = at("2026-11-30T10:00:00.000Z");
        assert!(at("2026-11-30T10:05:00.000Z").continues(&first));
        assert!(!at("2026-11-30T10:05:01.000Z").continues(&first));
        assert!(!at("2026-11-30T09:59:00.000Z").continues(&first));
        let late = at("2026-11-30T23:59:00.000Z");
        assert!(!at("2026-12-01T00:01:00.000Z").continues(&late));
    }
}
