//! "Did you mean" hints: the candidate nearest a misspelt name by edit distance.

/// The candidate nearest to `name` by edit distance, when it is near enough to be a typo
/// (at most 3 edits, or a third of the candidate's length).
pub fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(name, c), *c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

/// `; did you mean 'x'?` for the nearest candidate, or nothing.
pub fn did_you_mean(name: &str, candidates: &[&str]) -> String {
    closest(name, candidates)
        .map(|c| format!("; did you mean '{c}'?"))
        .unwrap_or_default()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + (ca != *cb) as usize)
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_within_reach() {
        assert_eq!(
            closest("canonicalise", &["dce", "canonicalize"]),
            Some("canonicalize")
        );
        assert_eq!(closest("xyz", &["canonicalize"]), None);
        assert_eq!(
            did_you_mean("mthod", &["method", "data"]),
            "; did you mean 'method'?"
        );
    }
}
