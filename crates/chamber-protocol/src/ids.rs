/// A fresh random identifier: 12 lowercase hex characters (48 bits).
///
/// Short enough to type and to use in a branch name, long enough that two runs
/// in one store practically never collide. Commands accept any unique prefix.
pub fn new_id() -> String {
    let mut out = String::with_capacity(12);
    for _ in 0..12 {
        let nibble = fastrand_nibble();
        out.push(char::from_digit(nibble, 16).unwrap_or('0'));
    }
    out
}

fn fastrand_nibble() -> u32 {
    use std::cell::Cell;
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut h = RandomState::new().build_hasher();
            h.write_u128(std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default());
            h.write_u32(std::process::id());
            h.finish() | 1
        });
    }
    STATE.with(|s| {
        // xorshift64*: fast, no dependency, and plenty for identifiers.
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 60) as u32
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_and_distinct() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.len(), 12);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
