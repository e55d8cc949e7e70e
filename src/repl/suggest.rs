//! "Did you mean …?": the nearest known word by edit distance.
//!
//! The distance is the optimal-string-alignment variant of Damerau–Levenshtein: insertions,
//! deletions, substitutions and swaps of two neighbouring characters each cost 1, so the most common
//! typo, a swap (`spwan`), is one edit away from `spawn`.

/// The number of single-character edits (insert, delete, substitute, swap neighbours) from `a` to `b`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j] = distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is close enough to be what the user meant: one edit for
/// words of up to three characters, two edits for longer ones. Ties go to the earlier candidate.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = if word.chars().count() <= 3 { 1 } else { 2 };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = edit_distance(word, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(edit_distance("spwan", "spawn"), 1);
        assert_eq!(edit_distance("spawn", "spawn"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearest_picks_the_closest_within_the_limit() {
        let words = ["spawn", "step", "show", "quit"];
        assert_eq!(nearest("spwan", words), Some("spawn"));
        assert_eq!(nearest("stpe", words), Some("step"));
        assert_eq!(nearest("qit", words), Some("quit"));
        assert_eq!(nearest("xyzzy", words), None);
        // Short words get one edit only: "sx" is not "show".
        assert_eq!(nearest("sx", words), None);
    }
}
