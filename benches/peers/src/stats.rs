//! The few statistics the harness needs: median, min–max, percentiles, and
//! the rotation that interleaves runtimes fairly.
//!
//! A benchmark run is noisy in one direction (a descheduled thread, a cache
//! flushed by another process only ever makes things slower), so the harness
//! reports medians, which one bad repetition cannot move, and shows min–max
//! so the spread is visible.

/// The median of `values` (the mean of the middle two for an even count);
/// `None` for no values or a NaN among them.
pub fn median(values: &[f64]) -> Option<f64> {
    let sorted = sorted(values)?;
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// The smallest and largest of `values`; `None` for no values or a NaN.
pub fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let sorted = sorted(values)?;
    Some((sorted[0], sorted[sorted.len() - 1]))
}

/// The `p`-th percentile (0 < p ≤ 100) by nearest rank, of values already
/// sorted ascending: the smallest value with at least `p`% of the values at
/// or below it. `None` for no values or `p` out of range.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// `items` rotated left by `repetition` places: repetition 0 runs
/// A B C D, repetition 1 runs B C D A, and so on, so that over the run every
/// runtime goes first (cold caches, a fresh heap) and last equally often.
pub fn rotated<T: Clone>(items: &[T], repetition: usize) -> Vec<T> {
    if items.is_empty() {
        return Vec::new();
    }
    let shift = repetition % items.len();
    items[shift..]
        .iter()
        .chain(&items[..shift])
        .cloned()
        .collect()
}

fn sorted(values: &[f64]) -> Option<Vec<f64>> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_count_is_the_middle_value() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
    }

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn one_outlier_does_not_move_the_median() {
        assert_eq!(median(&[10.0, 11.0, 10.5, 9.5, 1000.0]), Some(10.5));
    }

    #[test]
    fn no_values_or_nan_have_no_median() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[1.0, f64::NAN]), None);
        assert_eq!(min_max(&[]), None);
    }

    #[test]
    fn min_max_spans_the_values() {
        assert_eq!(min_max(&[3.0, -1.0, 7.5, 2.0]), Some((-1.0, 7.5)));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile_sorted(&values, 50.0), Some(50.0));
        assert_eq!(percentile_sorted(&values, 99.0), Some(99.0));
        assert_eq!(percentile_sorted(&values, 100.0), Some(100.0));
        assert_eq!(percentile_sorted(&[7.0], 1.0), Some(7.0));
        assert_eq!(percentile_sorted(&values, 0.0), None);
        assert_eq!(percentile_sorted(&[], 50.0), None);
    }

    #[test]
    fn rotation_gives_every_item_each_position_once_per_cycle() {
        let items = ['a', 'b', 'c', 'd'];
        assert_eq!(rotated(&items, 0), ['a', 'b', 'c', 'd']);
        assert_eq!(rotated(&items, 1), ['b', 'c', 'd', 'a']);
        assert_eq!(rotated(&items, 5), ['b', 'c', 'd', 'a']);
        for position in 0..items.len() {
            let mut firsts: Vec<char> = (0..items.len())
                .map(|rep| rotated(&items, rep)[position])
                .collect();
            firsts.sort_unstable();
            assert_eq!(firsts, items, "position {position}");
        }
        assert!(rotated::<u8>(&[], 3).is_empty());
    }
}
