//! The command line: server.c `main()` turns `redis-server [file] --name
//! args...` into config lines appended after the file.

use crate::util::repr;

/// The command line, split into what `main` needs to load the config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Argv {
    /// The config file path (first argument when it does not start with
    /// '-'), or "-" when the config is read from stdin.
    pub config_file: Option<String>,
    /// Config lines built from `--name value` options, to be appended
    /// (after a "\n") to the file's text.
    pub text_options: String,
    /// True when `--sentinel` was given.
    pub sentinel_flag: bool,
}

/// Parses the arguments after argv[0] the way server.c `main()` does.
///
/// The first argument is the config file unless it starts with '-'. A lone
/// "-" as the first or last argument means "read the config from stdin".
/// Every `--name` starts a new line `name `; each following argument that
/// does not start with "--" is appended quoted with `sdscatrepr`, so
/// `--logfile "a b"` becomes `logfile "a b"`. A `--name value` given as one
/// argument is copied raw. `--save` with no value (last, or followed by
/// another option) becomes `save ""`. `--sentinel` becomes a bare `sentinel`
/// line, which the loader ignores, and sets `sentinel_flag`; keeping the
/// line keeps line numbers in error messages equal to Redis's.
///
/// Redis never rejects a command line here, so this always returns `Ok`;
/// the `Result` leaves room for stricter checks.
pub fn parse_argv(args: &[String]) -> Result<Argv, String> {
    let mut out = Argv::default();
    let mut options = String::new();
    let mut j = 0;
    if let Some(first) = args.first() {
        if !first.starts_with('-') {
            out.config_file = Some(first.clone());
            j = 1;
        }
    }
    let last = args.len().saturating_sub(1);
    let mut handled_last_config_arg = true;
    while j < args.len() {
        let a = &args[j];
        if a == "-" && (j == 0 || j == last) {
            if out.config_file.is_none() {
                out.config_file = Some("-".to_string());
            }
        } else if handled_last_config_arg && a.starts_with("--") {
            if a == "--sentinel" {
                out.sentinel_flag = true;
            }
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&a[2..]);
            options.push(' ');
            let words = resp::split_args(a.as_bytes()).map_or(0, |w| w.len());
            if words == 1 {
                // Only an option name: its value follows in the next argument.
                handled_last_config_arg = false;
                let next_is_option = j != last && args[j + 1].starts_with("--");
                if a.eq_ignore_ascii_case("--save") && (next_is_option || j == last) {
                    options.push_str("\"\"");
                    handled_last_config_arg = true;
                } else if a.eq_ignore_ascii_case("--sentinel") && next_is_option {
                    handled_last_config_arg = true;
                }
            } else {
                handled_last_config_arg = true;
            }
        } else {
            options.push_str(&repr(a.as_bytes()));
            options.push(' ');
            handled_last_config_arg = true;
        }
        j += 1;
    }
    out.text_options = options;
    Ok(out)
}
