//! Memory and CPU measurements for INFO, from the C library and /proc.

use commands::Host;

/// The real process.
pub struct ProcessHost;

impl Host for ProcessHost {
    fn used_memory(&self) -> u64 {
        // SAFETY: mallinfo2 only reads allocator statistics.
        let mi = unsafe { libc::mallinfo2() };
        (mi.uordblks + mi.hblkhd) as u64
    }

    fn rss_bytes(&self) -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
        pages * page
    }

    fn now_us(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0)
    }

    fn cpu_seconds(&self) -> (f64, f64, f64, f64) {
        let usage = |who| {
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: getrusage writes only into `ru`.
            unsafe { libc::getrusage(who, &mut ru) };
            let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
            (t(ru.ru_stime), t(ru.ru_utime))
        };
        let (s, u) = usage(libc::RUSAGE_SELF);
        let (cs, cu) = usage(libc::RUSAGE_CHILDREN);
        (s, u, cs, cu)
    }
}
