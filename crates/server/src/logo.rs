//! The start-up ASCII logo (server.c `redisAsciiArt`, asciilogo.h).
//!
//! Redis prints it instead of the `Running mode=..., port=...` line when
//! the log goes to a terminal, or always with `always-show-logo yes`.
//! Scripts look for its `PID:` and `Port:` lines, so it is reproduced
//! byte for byte, trailing spaces included.

/// The logo's lines; `{mode}`, `{port}` and `{pid}` are filled in.
const LINES: [&str; 17] = [
    "                _._                                                  \n",
    "           _.-``__ ''-._                                             \n",
    "      _.-``    `.  `_.  ''-._           Redis 7.0.15 (00000000/0) 64 bit\n",
    "  .-`` .-```.  ```\\/    _.,_ ''-._                                  \n",
    " (    '      ,       .-`  | `,    )     Running in {mode} mode\n",
    " |`-._`-...-` __...-.``-._|'` _.-'|     Port: {port}\n",
    " |    `-._   `._    /     _.-'    |     PID: {pid}\n",
    "  `-._    `-._  `-./  _.-'    _.-'                                   \n",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  \n",
    " |    `-._`-._        _.-'_.-'    |           https://redis.io       \n",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   \n",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  \n",
    " |    `-._`-._        _.-'_.-'    |                                  \n",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   \n",
    "      `-._    `-.__.-'    _.-'                                       \n",
    "          `-._        _.-'                                           \n",
    "              `-.__.-'                                               \n",
];

/// The logo for this process, followed by a blank line as Redis prints it.
pub fn render(mode: &str, port: u16, pid: u32) -> String {
    let mut out: String = LINES.concat();
    out = out
        .replace("{mode}", mode)
        .replace("{port}", &port.to_string())
        .replace("{pid}", &pid.to_string());
    out.push('\n');
    out
}
