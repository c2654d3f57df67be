//! `redis-server --check-system` and `--test-memory <megabytes>`
//! (syscheck.c, memtest.c): checks of the machine that Redis runs before
//! anything else, for operators.

use std::time::Instant;

/// One check: its name and, if the machine fails it, the warning.
type Check = (&'static str, fn() -> Option<String>);

const CHECKS: &[Check] = &[
    ("slow-clocksource", slow_clocksource),
    ("xen-clocksource", xen_clocksource),
    ("overcommit", overcommit),
    ("THP", transparent_huge_pages),
];

/// Runs every check as syscheck.c `syscheckCommand` prints them:
/// `[name]...OK` or `[name]...WARNING:` and the advice. Exit code 1 if
/// any warned.
pub fn check_system() -> i32 {
    let mut code = 0;
    for (name, check) in CHECKS {
        match check() {
            None => println!("[{name}]...OK"),
            Some(warning) => {
                println!("[{name}]...WARNING:\n{warning}");
                code = 1;
            }
        }
    }
    code
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_string()
}

const CLOCKSOURCE: &str = "/sys/devices/system/clocksource/clocksource0";

/// syscheck.c `checkClocksource`: reads the monotonic clock in a busy
/// loop for five scheduler ticks; if more than 10% of that CPU time was
/// spent in the kernel, the clocksource is slow (it traps instead of
/// being read from user space).
fn slow_clocksource() -> Option<String> {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let (sys0, user0) = cpu_us();
    let start = Instant::now();
    let test_us = 5 * 1_000_000 / hz;
    while (start.elapsed().as_micros() as u64) < test_us {}
    let (sys1, user1) = cpu_us();
    let (sys, user) = (sys1 - sys0, user1 - user0);
    (sys * 10 > sys + user).then(|| {
        format!(
            "Slow system clocksource detected. This can result in degraded performance. Consider changing the system's clocksource. Current clocksource: {}. Available clocksources: {}. For example: run the command 'echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource' as root. To permanently change the system's clocksource you'll need to set the 'clocksource=' kernel command line parameter.",
            read(&format!("{CLOCKSOURCE}/current_clocksource")),
            read(&format!("{CLOCKSOURCE}/available_clocksource"))
        )
    })
}

/// (system, user) CPU microseconds of this process.
fn cpu_us() -> (i64, i64) {
    // SAFETY: getrusage writes only into `ru`.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let us = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    (us(ru.ru_stime), us(ru.ru_utime))
}

fn xen_clocksource() -> Option<String> {
    (read(&format!("{CLOCKSOURCE}/current_clocksource")) == "xen").then(|| {
        "Your system is configured to use the 'xen' clocksource which might lead to degraded performance. Check the result of the [slow-clocksource] system check: run 'redis-server --check-system' to check if the system's clocksource isn't degrading performance.".to_string()
    })
}

fn overcommit() -> Option<String> {
    (read("/proc/sys/vm/overcommit_memory") != "1").then(|| {
        "Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. Being disabled, it can can also cause failures without low memory condition, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.".to_string()
    })
}

fn transparent_huge_pages() -> Option<String> {
    read("/sys/kernel/mm/transparent_hugepage/enabled")
        .contains("[always]")
        .then(|| {
            "You have Transparent Huge Pages (THP) support enabled in your kernel. This will create latency and memory usage issues with Redis. To fix this issue run the command 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled' as root, and add it to your /etc/rc.local in order to retain the setting after a reboot. Redis must be restarted after THP is disabled (set to 'madvise' or 'never').".to_string()
        })
}

/// memtest.c `memtest`: fills `megabytes` of memory with the address,
/// random, solid and checkerboard patterns, reading each back. Exit code
/// 0 if every word read back as written.
pub fn test_memory(megabytes: usize) -> i32 {
    let words = megabytes * 1024 * 1024 / 8;
    let mut mem = vec![0u64; words];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let patterns: [&mut dyn FnMut(usize) -> u64; 5] = [
        &mut |i| (i as u64).wrapping_mul(8),
        &mut |_| random(),
        &mut |_| 0,
        &mut |_| u64::MAX,
        &mut |i| {
            if i % 2 == 0 {
                0x5555_5555_5555_5555
            } else {
                0xAAAA_AAAA_AAAA_AAAA
            }
        },
    ];
    for pattern in patterns {
        let expected: Vec<u64> = (0..words).map(&mut *pattern).collect();
        mem.copy_from_slice(&expected);
        if let Some(i) = (0..words).find(|i| std::hint::black_box(mem[*i]) != expected[*i]) {
            println!(
                "\n*** MEMORY ERROR DETECTED: {:p} != {:#x}",
                &mem[i], expected[i]
            );
            return 1;
        }
    }
    print!("\x1b[H\x1b[2J");
    println!("\nYour memory passed this test.");
    println!("Please if you are still in doubt use the following two tools:");
    println!("1) memtest86: http://www.memtest86.com/");
    println!("2) memtester: http://pyropus.ca/software/memtester/");
    0
}
