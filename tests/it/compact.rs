//! `phib compact`: a golden table written from jq's output rules, the same inputs run
//! through Debian's real `jq -c .` (1.6), libjq 1.8 (PyPI `jq`) as the oracle for number
//! output and for invalid UTF-8 repair, property tests, and the command line around it.

use std::io::Write;
use std::process::{Command, Stdio};

use phib::compact::compact;
use proptest::prelude::*;

use crate::util::*;

/// What a golden case must give.
enum Want {
    /// These exact bytes on stdout.
    Out(&'static [u8]),
    /// An error at this line and column whose message contains this text.
    Err(usize, usize, &'static str),
}
use Want::{Err as E, Out};

/// A fake service-account keyfile as Google writes it (two-space indent, `\n` escapes in
/// the key, `/` unescaped).
const KEYFILE: &str = r#"{
  "type": "service_account",
  "project_id": "acme-ml-prod",
  "private_key_id": "3f1c9a0b2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7/x+y=\n-----END PRIVATE KEY-----\n",
  "client_email": "phib-push@acme-ml-prod.iam.gserviceaccount.com",
  "client_id": "104729384756102938475",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/phib-push%40acme-ml-prod.iam.gserviceaccount.com",
  "universe_domain": "googleapis.com"
}
"#;

/// The same keyfile as `jq -c .` prints it, written out by hand.
const KEYFILE_COMPACT: &[u8] = br#"{"type":"service_account","project_id":"acme-ml-prod","private_key_id":"3f1c9a0b2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7/x+y=\n-----END PRIVATE KEY-----\n","client_email":"phib-push@acme-ml-prod.iam.gserviceaccount.com","client_id":"104729384756102938475","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token","auth_provider_x509_cert_url":"https://www.googleapis.com/oauth2/v1/certs","client_x509_cert_url":"https://www.googleapis.com/robot/v1/metadata/x509/phib-push%40acme-ml-prod.iam.gserviceaccount.com","universe_domain":"googleapis.com"}
"#;

/// Every golden case: name, input, expected result.
fn cases() -> Vec<(&'static str, Vec<u8>, Want)> {
    let keyfile = KEYFILE.as_bytes().to_vec();
    let crlf = KEYFILE.replace('\n', "\r\n").into_bytes();
    let tabs = KEYFILE.replace("  ", "\t").into_bytes();
    let bom = [b"\xEF\xBB\xBF".as_slice(), KEYFILE.as_bytes()].concat();
    let slashes = KEYFILE.replace("https://", r"https:\/\/").into_bytes();
    let mut cases: Vec<(&'static str, Vec<u8>, Want)> = vec![
        // Service-account keyfiles as they arrive.
        ("keyfile_pretty", keyfile, Out(KEYFILE_COMPACT)),
        ("keyfile_crlf", crlf, Out(KEYFILE_COMPACT)),
        ("keyfile_tabs", tabs, Out(KEYFILE_COMPACT)),
        ("keyfile_bom", bom, Out(KEYFILE_COMPACT)),
        ("keyfile_escaped_slashes", slashes, Out(KEYFILE_COMPACT)),
        ("keyfile_already_compact", KEYFILE_COMPACT.to_vec(), Out(KEYFILE_COMPACT)),
        (
            "keyfile_reordered",
            b"{\n  \"client_email\": \"a@p.iam.gserviceaccount.com\",\n  \"type\": \"service_account\",\n  \"project_id\": \"p\"\n}\n".to_vec(),
            Out(b"{\"client_email\":\"a@p.iam.gserviceaccount.com\",\"type\":\"service_account\",\"project_id\":\"p\"}\n"),
        ),
        (
            "keyfile_duplicate_keys",
            b"{\"type\": \"service_account\",\n \"private_key_id\": \"old\",\n \"project_id\": \"p\",\n \"private_key_id\": \"new\"}".to_vec(),
            Out(b"{\"type\":\"service_account\",\"private_key_id\":\"new\",\"project_id\":\"p\"}\n"),
        ),
        // Whitespace and top-level values.
        ("empty", b"".to_vec(), Out(b"")),
        ("whitespace_only", b" \r\n\t\n".to_vec(), Out(b"")),
        ("bom_only", b"\xEF\xBB\xBF".to_vec(), Out(b"")),
        ("two_numbers", b"1 2".to_vec(), Out(b"1\n2\n")),
        ("unseparated_objects", b"{}{}".to_vec(), Out(b"{}\n{}\n")),
        ("unseparated_strings", b"\"a\"\"b\"".to_vec(), Out(b"\"a\"\n\"b\"\n")),
        ("number_then_array", b"1[2]\n".to_vec(), Out(b"1\n[2]\n")),
        (
            "nested_whitespace",
            b" { \"a\" : [ ] , \"b\" :\t{ } ,\r\n\"c\": [ true , false , null ] } ".to_vec(),
            Out(b"{\"a\":[],\"b\":{},\"c\":[true,false,null]}\n"),
        ),
        // Strings.
        (
            "quote_and_backslash",
            br#""a\"b\\c""#.to_vec(),
            Out(b"\"a\\\"b\\\\c\"\n"),
        ),
        (
            "short_escapes_however_spelled",
            br#"["\b\f\n\r\t","\u0008\u000C\u000a\u000D\u0009"]"#.to_vec(),
            Out(b"[\"\\b\\f\\n\\r\\t\",\"\\b\\f\\n\\r\\t\"]\n"),
        ),
        (
            "other_controls_lowercase_hex",
            br#""\u0000\u0001\u001F\u001b""#.to_vec(),
            Out(b"\"\\u0000\\u0001\\u001f\\u001b\"\n"),
        ),
        ("del_escaped", b"\"\\u007F\x7f\"".to_vec(), Out(b"\"\\u007f\\u007f\"\n")),
        ("solidus_unescaped", br#""a\/b/c""#.to_vec(), Out(b"\"a/b/c\"\n")),
        (
            "html_characters_raw",
            br#""<>&'\u003c\u003E\u0026\u0027""#.to_vec(),
            Out(b"\"<>&'<>&'\"\n"),
        ),
        (
            "line_separators_raw",
            br#""\u2028\u2029""#.to_vec(),
            Out("\"\u{2028}\u{2029}\"\n".as_bytes()),
        ),
        (
            "bom_inside_string_raw",
            b"\"\\uFEFF\xEF\xBB\xBF\"".to_vec(),
            Out("\"\u{FEFF}\u{FEFF}\"\n".as_bytes()),
        ),
        ("c1_control_raw", br#""\u0085\u009f""#.to_vec(), Out("\"\u{85}\u{9f}\"\n".as_bytes())),
        (
            "surrogate_pair_either_case",
            br#"["\ud83d\ude00","\uD83D\uDE00","\uD834\uDd1E"]"#.to_vec(),
            Out("[\"\u{1F600}\",\"\u{1F600}\",\"\u{1D11E}\"]\n".as_bytes()),
        ),
        (
            "raw_utf8_unchanged",
            "\"é中文😀\"".as_bytes().to_vec(),
            Out("\"é中文😀\"\n".as_bytes()),
        ),
        ("unicode_escape_decoded", br#""caf\u00e9""#.to_vec(), Out("\"café\"\n".as_bytes())),
        ("lone_low_surrogate", br#""a\udc00b""#.to_vec(), Out("\"a\u{FFFD}b\"\n".as_bytes())),
        ("invalid_byte", b"\"a\xffb\"".to_vec(), Out("\"a\u{FFFD}b\"\n".as_bytes())),
        (
            "overlong_two_bytes_each",
            b"\"\xc0\x80\"".to_vec(),
            Out("\"\u{FFFD}\u{FFFD}\"\n".as_bytes()),
        ),
        (
            "encoded_surrogate_one_replacement",
            b"\"\xed\xa0\x80\"".to_vec(),
            Out("\"\u{FFFD}\"\n".as_bytes()),
        ),
        (
            "truncated_then_valid",
            b"\"\xe2\x82\xe2\x82\xac\"".to_vec(),
            Out("\"\u{FFFD}\u{20AC}\"\n".as_bytes()),
        ),
        (
            "truncated_at_end_swallows_rest",
            b"\"\xf0AB\"".to_vec(),
            Out("\"\u{FFFD}\"\n".as_bytes()),
        ),
        (
            "truncated_mid_string",
            b"\"\xf0ABC\"".to_vec(),
            Out("\"\u{FFFD}ABC\"\n".as_bytes()),
        ),
        // Objects.
        (
            "key_order_kept",
            br#"{"z":1,"a":2,"m":3}"#.to_vec(),
            Out(b"{\"z\":1,\"a\":2,\"m\":3}\n"),
        ),
        (
            "duplicate_last_wins_first_position",
            br#"{"a":1,"b":2,"a":3}"#.to_vec(),
            Out(b"{\"a\":3,\"b\":2}\n"),
        ),
        (
            "duplicate_after_unescaping",
            br#"{"a":1,"\u0061":2,"b\/":3,"b/":4}"#.to_vec(),
            Out(b"{\"a\":2,\"b/\":4}\n"),
        ),
        (
            "duplicates_nested",
            br#"{"o":{"x":1,"y":[1],"x":{"k":1,"k":2}},"o2":[{"a":0,"a":1}]}"#.to_vec(),
            Out(b"{\"o\":{\"x\":{\"k\":2},\"y\":[1]},\"o2\":[{\"a\":1}]}\n"),
        ),
        // Numbers: the literal in canonical form, as jq 1.7+ prints it.
        (
            "numbers_canonical",
            b"[1.0, 1e3, 0.10, -0, 1E+2, 1.5e-7, 0.000001, 1e-7]".to_vec(),
            Out(b"[1.0,1E+3,0.10,-0,1E+2,1.5E-7,0.000001,1E-7]\n"),
        ),
        (
            "big_integer_exact",
            b"[100000000000000000001, -9007199254740993]".to_vec(),
            Out(b"[100000000000000000001,-9007199254740993]\n"),
        ),
        (
            "long_decimal_exact",
            b"3.14159265358979323846264338327950288".to_vec(),
            Out(b"3.14159265358979323846264338327950288\n"),
        ),
        (
            "lenient_number_forms",
            b"[01, +1, .5, 1., -.5, 00]".to_vec(),
            Out(b"[1,1,0.5,1,-0.5,0]\n"),
        ),
        (
            "exponent_moves_the_point",
            b"[12e-12, 10e10, 123.456e2, 1.10e1, 0e-7]".to_vec(),
            Out(b"[1.2E-11,1.0E+11,12345.6,11.0,0E-7]\n"),
        ),
        (
            "overflow_prints_largest_double",
            b"[1e1000000000, -1e1000000000]".to_vec(),
            Out(b"[1.7976931348623157e+308,-1.7976931348623157e+308]\n"),
        ),
        ("plain_integers", b"[0, -1, 42, 1234567890]".to_vec(), Out(b"[0,-1,42,1234567890]\n")),
        // Errors: position and what was expected.
        ("nan_literal", b"NaN".to_vec(), E(1, 1, "`NaN` and `Infinity` are not JSON")),
        ("nan_lowercase", b"[nan]".to_vec(), E(1, 2, "`NaN` and `Infinity`")),
        ("infinity_literal", b"[1, -Infinity]".to_vec(), E(1, 5, "`NaN` and `Infinity`")),
        ("trailing_comma_array", b"[1,]".to_vec(), E(1, 4, "expected a value, found `]`")),
        ("trailing_comma_object", br#"{"a":1,}"#.to_vec(), E(1, 8, "expected a string key")),
        ("trailing_garbage", br#"{"a":1} x"#.to_vec(), E(1, 9, "expected a value")),
        ("missing_colon", br#"{"a" 1}"#.to_vec(), E(1, 6, "expected `:` after the key")),
        ("missing_comma", b"[1 2]".to_vec(), E(1, 4, "expected `,` or `]`")),
        ("unclosed_array", b"[1, 2".to_vec(), E(1, 6, "found the end of the input")),
        ("unclosed_object", b"{\"a\":1\n".to_vec(), E(2, 1, "expected `,` or `}`")),
        ("bad_escape", br#""ab\x""#.to_vec(), E(1, 4, "invalid escape")),
        ("short_unicode_escape", br#""\u12""#.to_vec(), E(1, 2, "four hex digits")),
        ("lone_high_surrogate", br#""\ud800""#.to_vec(), E(1, 2, "lone high surrogate")),
        ("high_surrogate_then_other", br#"["x\uD800\u0041"]"#.to_vec(), E(1, 4, "lone high surrogate")),
        ("raw_tab_in_string", b"\"a\tb\"".to_vec(), E(1, 3, "control character")),
        ("raw_newline_in_string", b"{\"k\":\"a\nb\"}".to_vec(), E(1, 8, "control character")),
        ("raw_nul_in_string", b"\"\x00\"".to_vec(), E(1, 2, "control character")),
        ("raw_unit_separator_in_string", b"\"\x1f\"".to_vec(), E(1, 2, "control character")),
        ("unterminated_string", b"[\"abc".to_vec(), E(1, 2, "closing `\"`")),
        ("form_feed_is_not_whitespace", b"\x0c1".to_vec(), E(1, 1, "not a valid literal")),
        ("record_separator", b"\x1e1".to_vec(), E(1, 1, "not a valid literal")),
        ("bom_not_at_start", b"1 \xEF\xBB\xBF".to_vec(), E(1, 3, "byte order mark")),
        ("second_bom", b"\xEF\xBB\xBF\xEF\xBB\xBF{}".to_vec(), E(1, 1, "byte order mark")),
        ("utf16_le", b"\xFF\xFE{\x00}\x00".to_vec(), E(1, 1, "UTF-16")),
        ("utf16_be_without_bom", b"\x00[\x00]".to_vec(), E(1, 1, "UTF-16")),
        ("bom_glued_to_a_number", b"[1\xEF\xBB\xBF]".to_vec(), E(1, 2, "byte order mark")),
        ("single_quotes", b"{'a': 1}".to_vec(), E(1, 2, "expected a string key")),
        ("single_quoted_value", b"'a'".to_vec(), E(1, 1, "double quotes")),
        ("glued_literals", b"truefalse".to_vec(), E(1, 1, "not a valid literal")),
        ("misspelled_null", b"[nul]".to_vec(), E(1, 2, "not a valid literal")),
        ("two_points", b"1.5.3".to_vec(), E(1, 1, "not a valid literal")),
        ("hex_number", b"0x10".to_vec(), E(1, 1, "not a valid literal")),
        ("exponent_without_digits", b"[1e]".to_vec(), E(1, 2, "not a valid literal")),
        (
            "error_position_multiline",
            "{\n  \"é\": 1,\n  \"b\" 2\n}".as_bytes().to_vec(),
            E(3, 7, "expected `:`"),
        ),
        (
            "error_after_valid_value",
            b"{\"a\":1}\n{\"b\":}".to_vec(),
            E(2, 6, "expected a value, found `}`"),
        ),
        ("colon_at_top_level", b"1:2".to_vec(), E(1, 2, "expected a value, found `:`")),
    ];
    cases.push((
        "deepest_allowed_nesting",
        ["[".repeat(10_000), "]".repeat(10_000)]
            .concat()
            .into_bytes(),
        Out(DEEP_OK.get_or_init(|| {
            [&["[".repeat(10_000), "]".repeat(10_000)].concat(), "\n"]
                .concat()
                .into_bytes()
        })),
    ));
    cases.push((
        "too_deep",
        ["[".repeat(10_001), "]".repeat(10_001)]
            .concat()
            .into_bytes(),
        E(1, 10_001, "nested too deeply"),
    ));
    cases
}

static DEEP_OK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// Golden cases where Debian's jq 1.6 deliberately gives something else, and why.
const DIFFERS_FROM_JQ16: &[(&str, &str)] = &[
    (
        "numbers_canonical",
        "jq 1.6 rounds numbers through doubles and prints %.17g",
    ),
    ("big_integer_exact", "jq 1.6 rounds numbers through doubles"),
    (
        "long_decimal_exact",
        "jq 1.6 rounds numbers through doubles",
    ),
    (
        "exponent_moves_the_point",
        "jq 1.6 rounds numbers through doubles",
    ),
    (
        "nan_literal",
        "jq 1.6 reads `NaN` and prints null; it is not JSON",
    ),
    (
        "nan_lowercase",
        "jq 1.6 reads `nan` and prints null; it is not JSON",
    ),
    (
        "infinity_literal",
        "jq 1.6 reads `Infinity`; it is not JSON",
    ),
    (
        "raw_nul_in_string",
        "jq 1.6 lets a raw U+0000 through; jq 1.7+ refuses it",
    ),
    (
        "raw_unit_separator_in_string",
        "jq 1.6 lets a raw U+001F through; jq 1.7+ refuses it",
    ),
    (
        "form_feed_is_not_whitespace",
        "jq 1.6 skips a form feed; jq 1.7+ refuses it",
    ),
    (
        "record_separator",
        "jq 1.6 prints nothing and succeeds on a stray U+001E",
    ),
    (
        "utf16_be_without_bom",
        "jq 1.6 reads a NUL byte as the number 0; jq 1.7+ refuses it",
    ),
    (
        "deepest_allowed_nesting",
        "jq 1.6 stops at depth 256; jq 1.7+ at 10000",
    ),
];

fn check(name: &str, got: Result<Vec<u8>, phib::compact::CompactError>, want: &Want) {
    match (want, got) {
        (Want::Out(want), Ok(got)) => assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "case `{name}`"
        ),
        (Want::Err(line, column, text), Err(e)) => {
            assert_eq!((e.line, e.column), (*line, *column), "case `{name}`: {e}");
            assert!(e.message.contains(text), "case `{name}`: {e}");
            assert_eq!(
                e.to_string(),
                format!("line {line}, column {column}: {}", e.message)
            );
        }
        (Want::Out(_), Err(e)) => panic!("case `{name}`: unexpected error {e}"),
        (Want::Err(..), Ok(got)) => panic!(
            "case `{name}`: expected an error, got {:?}",
            String::from_utf8_lossy(&got)
        ),
    }
}

#[test]
fn golden_table() {
    let cases = cases();
    assert!(cases.len() >= 40);
    for (name, input, want) in &cases {
        check(name, compact(input), want);
    }
}

#[test]
fn golden_table_through_the_binary() {
    for (name, input, want) in cases() {
        let r = run(phib().arg("compact"), &input);
        match want {
            Want::Out(out) => {
                r.expect_code(0);
                assert_eq!(r.stdout, out, "case `{name}`");
                assert!(r.stderr.is_empty(), "case `{name}`: {}", r.stderr);
            }
            Want::Err(line, column, text) => {
                r.expect_code(2);
                assert!(r.stdout.is_empty(), "case `{name}`: printed something");
                let head =
                    format!("phib: `<stdin>` is not valid JSON: line {line}, column {column}: ");
                assert!(r.stderr.starts_with(&head), "case `{name}`: {}", r.stderr);
                assert!(r.stderr.contains(text), "case `{name}`: {}", r.stderr);
                assert!(r.stderr.contains("\nhelp: "), "case `{name}`: {}", r.stderr);
            }
        }
    }
}

e2e!(same_bytes_as_jq_1_6, || {
    let jq = tool("jq");
    let cases = cases();
    for (name, _) in DIFFERS_FROM_JQ16 {
        assert!(cases.iter().any(|c| c.0 == *name), "stale entry `{name}`");
    }
    let mut compared = 0;
    for (name, input, _) in &cases {
        let theirs = run(Command::new(&jq).args(["-c", "."]), input);
        let ours = compact(input);
        let deliberate = DIFFERS_FROM_JQ16.iter().find(|d| d.0 == *name);
        match (theirs.code, &ours, deliberate) {
            (Some(0), Ok(ours), None) => {
                assert_eq!(
                    String::from_utf8_lossy(ours),
                    String::from_utf8_lossy(&theirs.stdout),
                    "case `{name}` differs from jq 1.6"
                );
                compared += 1;
            }
            // Both refuse it (jq may have printed the values before the error: phib
            // deliberately prints nothing).
            (Some(code), Err(_), None) if code != 0 => {}
            (_, _, Some((_, why))) => {
                let same = theirs.code == Some(0) && ours.as_ref().ok() == Some(&theirs.stdout);
                assert!(
                    !same,
                    "case `{name}` is listed as differing ({why}) but jq 1.6 agrees"
                );
            }
            (code, ours, None) => panic!(
                "case `{name}`: jq 1.6 exit {code:?} with {:?}, phib {:?}",
                String::from_utf8_lossy(&theirs.stdout),
                ours.as_ref()
                    .map(|o| String::from_utf8_lossy(o).into_owned())
            ),
        }
    }
    assert!(compared >= 30, "only {compared} cases compared");
});

/// Runs `script` with the Python that has libjq 1.8, feeding it `stdin`.
fn python_jq(script: &str, stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new(python_with_jq())
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A small deterministic generator for test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: u64) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

fn number_literals() -> Vec<String> {
    let mut lits: Vec<String> = [
        "0",
        "-0",
        "1.0",
        "1e3",
        "0.10",
        "1E+2",
        "100000000000000000001",
        "1.5e-7",
        "01",
        ".5",
        "1.",
        "+1",
        "-.5",
        "00",
        "000.000",
        "0e-6",
        "0e-7",
        "-0e5",
        "0e10",
        "1e-6",
        "1e-7",
        "12e-12",
        "10e10",
        "123.456e2",
        "1.10e1",
        "3.0e0",
        "1e+0",
        "1e-0",
        "1E00003",
        "0.000001234",
        "0.0000001234",
        "1e17",
        "1.5e16",
        "1e300",
        "1e1000",
        "-1e1000",
        "1e-400",
        "1e999999999",
        "1e1000000000",
        "-1e1000000000",
        "1e-999999999",
        "1e-1000000100",
        "1e-1147483646",
        "1e-1147483647",
        "15e-1147483647",
        "95e-1147483647",
        "5e-1147483648",
        "-1e-1147483647",
        "0e1000000000",
        "0e-2000000000",
        "10e999999998",
        "99e999999998",
        "1e99999999999999999999",
        "1e-99999999999999999999",
        "9007199254740993",
        "1.7976931348623157e309",
        // Not numbers: both must refuse them.
        "1e",
        "1.e",
        ".e1",
        ".",
        "-",
        "+",
        "-+1",
        "--1",
        "1.5.3",
        "0x10",
        "1_0",
        "1e+",
        "-.e1",
        "1ee5",
        "1e5.5",
        "e5",
        "1-",
        "1+1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..1500 {
        let mut s = String::new();
        match rng.below(4) {
            0 => s.push('-'),
            1 if rng.below(4) == 0 => s.push('+'),
            _ => {}
        }
        let zeros = if rng.below(3) == 0 { rng.below(3) } else { 0 };
        s.push_str(&"0".repeat(zeros as usize));
        let int_len = rng.below(25);
        s.push_str(&rng.digits(int_len));
        if rng.below(2) == 0 || int_len == 0 {
            s.push('.');
            let frac_len = rng.below(25) + u64::from(int_len == 0);
            s.push_str(&rng.digits(frac_len));
        }
        if rng.below(2) == 0 {
            s.push(if rng.below(2) == 0 { 'e' } else { 'E' });
            match rng.below(3) {
                0 => s.push('-'),
                1 => s.push('+'),
                _ => {}
            }
            let exp = match rng.below(6) {
                0 => rng.below(10),
                1 => rng.below(40),
                2 => rng.below(400),
                3 => 999_999_990 + rng.below(20),
                4 => 1_147_483_640 + rng.below(20),
                _ => rng.below(100_000),
            };
            if rng.below(5) == 0 {
                s.push('0');
            }
            s.push_str(&exp.to_string());
        }
        lits.push(s);
    }
    lits
}

e2e!(numbers_as_jq_1_8_prints_them, || {
    let lits = number_literals();
    let script = r#"
import jq, sys
prog = jq.compile("tojson")
for line in sys.stdin.read().split("\n"):
    try:
        print("ok " + prog.input_text(line).first())
    except ValueError:
        print("error")
"#;
    let oracle = python_jq(script, lits.join("\n").as_bytes());
    let oracle = String::from_utf8(oracle).unwrap();
    let answers: Vec<&str> = oracle.lines().collect();
    assert_eq!(answers.len(), lits.len());
    let mut refused = 0;
    for (lit, answer) in lits.iter().zip(answers) {
        let ours = compact(lit.as_bytes()).map(|o| String::from_utf8(o).unwrap());
        match answer.strip_prefix("ok ") {
            Some(jq) => assert_eq!(ours.as_deref(), Ok(&*format!("{jq}\n")), "literal `{lit}`"),
            None => {
                assert!(
                    ours.is_err(),
                    "libjq 1.8 refuses `{lit}`, phib printed {ours:?}"
                );
                refused += 1;
            }
        }
    }
    assert!(refused >= 15, "the refused literals were not tried");
    // The one deliberate difference: libjq reads these, JSON has no such numbers.
    let specials = ["nan", "NaN", "Infinity", "-Infinity", "infinity"];
    let oracle = python_jq(script, specials.join("\n").as_bytes());
    for (lit, answer) in specials
        .iter()
        .zip(String::from_utf8(oracle).unwrap().lines())
    {
        assert!(answer.starts_with("ok "), "libjq 1.8 now refuses `{lit}`");
        assert!(compact(lit.as_bytes()).is_err(), "`{lit}` must be refused");
    }
});

/// libjq 1.8 through its C API (`jv_parse_sized`, `jv_dump_string`), so that raw bytes,
/// invalid UTF-8 included, reach jq's own decoder. Prints one line per input: `ok ` and
/// the hex of jq's output, or `error`.
const LIBJQ_BYTES: &str = r#"
import ctypes, jq, sys
lib = ctypes.CDLL(jq.__file__)
class JV(ctypes.Structure):
    _fields_ = [("kind_flags", ctypes.c_ubyte), ("pad_", ctypes.c_ubyte),
                ("offset", ctypes.c_ushort), ("size", ctypes.c_int), ("u", ctypes.c_void_p)]
lib.jv_parse_sized.restype = JV
lib.jv_parse_sized.argtypes = [ctypes.c_char_p, ctypes.c_int]
lib.jv_dump_string.restype = JV
lib.jv_dump_string.argtypes = [JV, ctypes.c_int]
lib.jv_string_value.restype = ctypes.c_char_p
lib.jv_string_value.argtypes = [JV]
lib.jv_get_kind.restype = ctypes.c_int
lib.jv_get_kind.argtypes = [JV]
for line in sys.stdin.read().split():
    data = bytes.fromhex(line)
    v = lib.jv_parse_sized(data, len(data))
    if lib.jv_get_kind(v) == 0:
        print("error")
    else:
        print("ok " + lib.jv_string_value(lib.jv_dump_string(v, 0)).hex())
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

e2e!(invalid_utf8_repaired_as_libjq_1_8_does, || {
    // Strings of bytes that are mostly not valid UTF-8: lead bytes, continuation bytes,
    // bytes jq never accepts, ASCII, and escapes mixed in between.
    let pieces: &[&[u8]] = &[
        b"\x80",
        b"\xbf",
        b"\xc0",
        b"\xc1",
        b"\xc2",
        b"\xdf",
        b"\xe0",
        b"\xed",
        b"\xa0",
        b"\xef",
        b"\xf0",
        b"\xf4",
        b"\x90",
        b"\xf5",
        b"\xff",
        b"a",
        b"\\n",
        b"\\u00e9",
        b"\\udc00",
        b"\\ud83d\\ude00",
        b"\xe2\x82\xac",
        b"\x7f",
        b"\\\\",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut inputs = Vec::new();
    for _ in 0..3000 {
        let mut s = b"\"".to_vec();
        for _ in 0..rng.below(7) {
            s.extend_from_slice(pieces[rng.below(pieces.len() as u64) as usize]);
        }
        s.push(b'"');
        inputs.push(s);
    }
    let lines: Vec<String> = inputs.iter().map(|i| hex(i)).collect();
    let oracle = String::from_utf8(python_jq(LIBJQ_BYTES, lines.join("\n").as_bytes())).unwrap();
    let answers: Vec<&str> = oracle.lines().collect();
    assert_eq!(answers.len(), inputs.len());
    for (input, answer) in inputs.iter().zip(answers) {
        let ours = compact(input);
        let shown = String::from_utf8_lossy(input);
        match answer.strip_prefix("ok ") {
            Some(jq) => {
                let ours = ours.unwrap_or_else(|e| panic!("{shown:?}: {e}"));
                assert_eq!(hex(&ours[..ours.len() - 1]), jq, "input {input:?}");
            }
            None => assert!(ours.is_err(), "libjq refuses {input:?}, phib accepts it"),
        }
    }
});

/// Generated documents (any strings, integers that doubles hold exactly), pretty-printed
/// and concatenated into one input.
fn generated_documents() -> Vec<u8> {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = json_value(1 << 53);
    let mut input = Vec::new();
    for _ in 0..300 {
        let value = strategy.new_tree(&mut runner).unwrap().current();
        input.extend_from_slice(serde_json::to_string_pretty(&value).unwrap().as_bytes());
        input.push(b'\n');
    }
    input
}

e2e!(generated_documents_as_jq_1_6_and_1_8_print_them, || {
    let input = generated_documents();
    let ours = compact(&input).unwrap();
    assert_eq!(ours.iter().filter(|&&b| b == b'\n').count(), 300);
    let jq16 = run(Command::new(tool("jq")).args(["-c", "."]), &input);
    jq16.expect_code(0);
    assert!(ours == jq16.stdout, "differs from jq 1.6");
    let script = r#"
import jq, sys
for s in jq.compile("tojson").input_text(sys.stdin.buffer.read().decode()).all():
    sys.stdout.buffer.write(s.encode() + b"\n")
"#;
    assert!(ours == python_jq(script, &input), "differs from libjq 1.8");
});

// The command line around `compact`.

#[test]
fn reads_a_file_stdin_and_dash() {
    let dir = tempdir();
    let path = dir.path().join("key.json");
    std::fs::write(&path, KEYFILE).unwrap();
    let from_file = phib_run(["compact".as_ref(), path.as_os_str()]);
    from_file.expect_code(0);
    assert_eq!(from_file.stdout, KEYFILE_COMPACT);
    for args in [&["compact"][..], &["compact", "-"]] {
        let r = run(phib().args(args), KEYFILE.as_bytes());
        r.expect_code(0);
        assert_eq!(r.stdout, KEYFILE_COMPACT);
    }
}

#[test]
fn error_names_the_file_and_prints_nothing_and_no_secret() {
    let dir = tempdir();
    let path = dir.path().join("key.json");
    // A valid value first (jq would print it), then a broken one holding a key.
    let input = format!("{KEYFILE}{{\"private_key\": \"SECRETVALUE\" \"x\"}}");
    std::fs::write(&path, &input).unwrap();
    let r = phib_run(["compact".as_ref(), path.as_os_str()]);
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    let want = format!(
        "phib: `{}` is not valid JSON: line 14, column 31: expected `,` or `}}`",
        path.display()
    );
    assert!(r.stderr.starts_with(&want), "{}", r.stderr);
    assert!(!r.stderr.contains("SECRET"), "{}", r.stderr);
    assert!(!r.stderr.contains("BEGIN PRIVATE"), "{}", r.stderr);
}

#[test]
fn missing_file_is_bad_input() {
    let r = phib_run(["compact", "/nonexistent/key.json"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("`/nonexistent/key.json`"), "{}", r.stderr);
}

// Properties.

/// Bytes that make JSON-like noise: structure, literals, escapes, UTF-8 fragments.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> = b"{}[],:\" \n\t\\/u0123456789abcdefDE.+-truefalsn\x7f\x00\x1f\xc3\xa9\xed\xa0\xf0\x9f\xff\xef\xbb\xbf".to_vec();
    proptest::collection::vec(proptest::sample::select(alphabet), 0..120)
}

/// Any JSON value with integer numbers up to `max_int` in size.
fn json_value(max_int: i64) -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-max_int..=max_int).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_and_output_is_a_fixed_point(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(out) = compact(&input) {
            prop_assert_eq!(compact(&out).unwrap(), out);
        }
    }

    #[test]
    fn jsonish_noise_never_panics_and_output_is_a_fixed_point(input in jsonish()) {
        if let Ok(out) = compact(&input) {
            prop_assert_eq!(compact(&out).unwrap(), out);
        }
    }

    #[test]
    fn valid_json_compacts_to_its_one_line_form(value in json_value(i64::MAX)) {
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let out = compact(pretty.as_bytes()).unwrap();
        // serde_json writes DEL raw where jq escapes it; otherwise the same one-line form.
        let want = serde_json::to_string(&value).unwrap().replace('\u{7f}', "\\u007f") + "\n";
        prop_assert_eq!(String::from_utf8(out.clone()).unwrap(), want);
        prop_assert_eq!(compact(&out).unwrap(), out);
    }
}

/// A JSON document whose objects may repeat keys, with its own reference rendering.
#[derive(Debug, Clone)]
enum Doc {
    Leaf(&'static str),
    Array(Vec<Doc>),
    Object(Vec<(&'static str, Doc)>),
}

impl Doc {
    /// Pretty-ish input, duplicates as written.
    fn input(&self, out: &mut String) {
        match self {
            Doc::Leaf(s) => out.push_str(s),
            Doc::Array(items) => {
                out.push_str("[ ");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n ");
                    }
                    item.input(out);
                }
                out.push_str(" ]");
            }
            Doc::Object(members) => {
                out.push_str("{\n");
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\r\n");
                    }
                    out.push_str(&format!("  {k} : "));
                    v.input(out);
                }
                out.push_str("\n}");
            }
        }
    }

    /// The reference: each key once (compared unescaped), at its first position, with
    /// its last value.
    fn expected(&self, out: &mut String) {
        match self {
            Doc::Leaf(s) => out.push_str(s),
            Doc::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.expected(out);
                }
                out.push(']');
            }
            Doc::Object(members) => {
                let unescaped = |k: &str| k.replace("\\u0061", "a");
                let mut kept: Vec<(String, &Doc)> = Vec::new();
                for (k, v) in members {
                    match kept.iter_mut().find(|(seen, _)| *seen == unescaped(k)) {
                        Some(slot) => slot.1 = v,
                        None => kept.push((unescaped(k), v)),
                    }
                }
                out.push('{');
                for (i, (k, v)) in kept.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.expected(out);
                }
                out.push('}');
            }
        }
    }
}

fn doc() -> impl Strategy<Value = Doc> {
    let leaf = proptest::sample::select(vec!["1", "null", "\"s\"", "[]", "{}", "2.50"])
        .prop_map(Doc::Leaf);
    let key = proptest::sample::select(vec!["\"a\"", "\"\\u0061\"", "\"b\"", "\"c\""]);
    leaf.prop_recursive(5, 80, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Doc::Array),
            proptest::collection::vec((key.clone(), inner), 0..25).prop_map(Doc::Object),
        ]
    })
}

proptest! {
    #[test]
    fn duplicate_keys_keep_first_position_and_last_value(docs in proptest::collection::vec(doc(), 1..3)) {
        let (mut input, mut want) = (String::new(), String::new());
        for d in &docs {
            d.input(&mut input);
            input.push(' ');
            d.expected(&mut want);
            want.push('\n');
        }
        prop_assert_eq!(String::from_utf8(compact(input.as_bytes()).unwrap()).unwrap(), want);
    }
}
