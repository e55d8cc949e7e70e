//! `#[evloop::test]`: run an `async fn` test on evloop's test harness;
//! `#[evloop::main]`: run an `async fn main` on a runtime.
//!
//! This crate has no dependencies: it reads the tokens with `proc_macro`
//! alone (no `syn`, no `quote`), which is enough because a test function has
//! a simple shape: attributes, `async fn name()`, an optional return type,
//! a body. Mistakes become `compile_error!`s pointing at the offending token.
//!
//! Use it through evloop (feature `macros`, on by default); the options and
//! examples are documented on `evloop::test`.
//!
//! What it generates, for `#[evloop::test(explore = 200)] async fn t() -> R { body }`:
//!
//! ```text
//! #[::core::prelude::v1::test]
//! fn t() {
//!     ::evloop::__test_main(::evloop::testing::Harness::new().runs(200),
//!         || ::evloop::testing::typed::<R, _>(async move { body }));
//! }
//! ```
//!
//! And for `#[evloop::main(clock = "virtual")] async fn main() -> R { body }`:
//!
//! ```text
//! fn main() -> R {
//!     ::evloop::Runtime::builder().clock(::evloop::time::ClockKind::Virtual)
//!         .build().block_on(async move { body })
//! }
//! ```

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs an `async fn` test on evloop's harness (virtual clock by default).
///
/// Options: `explore = N` (N schedules) or `explore = all` (every schedule,
/// with `preemption_bound = N`, `reduction = false`, `determinism = false`), `clock = "real"` or `"virtual"`,
/// `strict` (debug-mode findings fail the test), `seed = N`, `depth = N`,
/// `poll_budget = N`. See `evloop::test` for the documentation.
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    match expand(attr, item) {
        Ok(tokens) => tokens,
        Err((span, message)) => compile_error(span, &message),
    }
}

/// Runs an `async fn main` on an evloop runtime (the real clock by
/// default). Options: `clock = "real"` or `"virtual"`, `debug` (or
/// `debug = true/false`). See `evloop::main` for the documentation.
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    match expand_main(attr, item) {
        Ok(tokens) => tokens,
        Err((span, message)) => compile_error(span, &message),
    }
}

fn expand_main(attr: TokenStream, item: TokenStream) -> Result<TokenStream, Error> {
    let calls = parse_main_options(attr)?;
    let f = parse_fn(item, "#[evloop::main]")?;
    let mut ts = TokenStream::new();
    ts.extend(f.attrs);
    ts.extend(f.vis);
    ts.extend([TokenTree::Ident(Ident::new("fn", Span::call_site()))]);
    ts.extend([TokenTree::Ident(f.name)]);
    ts.extend([TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        TokenStream::new(),
    ))]);
    if !f.ret.is_empty() {
        ts.extend("->".parse::<TokenStream>().expect("an arrow"));
        ts.extend(f.ret);
    }
    let mut body: TokenStream = "::evloop::Runtime::builder()"
        .parse()
        .expect("a valid path");
    for (method, arg) in calls {
        body.extend(format!(".{method}").parse::<TokenStream>().expect("a call"));
        body.extend([TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            arg.parse().expect("a valid argument"),
        ))]);
    }
    body.extend(".build().block_on".parse::<TokenStream>().expect("a call"));
    let mut future: TokenStream = "async move".parse().expect("async move");
    future.extend([TokenTree::Group(f.body)]);
    body.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, future))]);
    ts.extend([TokenTree::Group(Group::new(Delimiter::Brace, body))]);
    Ok(ts)
}

/// `#[evloop::main]`'s options, as builder calls.
fn parse_main_options(attr: TokenStream) -> Result<Vec<(String, String)>, Error> {
    let mut calls = Vec::new();
    let tokens: Vec<TokenTree> = attr.into_iter().collect();
    for option in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let Some(first) = option.first() else {
            continue;
        };
        let TokenTree::Ident(key) = first else {
            return Err((first.span(), bad_main_option(&first.to_string())));
        };
        let key_name = key.to_string();
        let value = match option {
            [_] => None,
            [_, TokenTree::Punct(p), v] if p.as_char() == '=' => Some(v.clone()),
            [_, TokenTree::Punct(p)] if p.as_char() == '=' => {
                return Err((p.span(), format!("`{key_name} =` needs a value")));
            }
            [_, other, ..] => {
                return Err((
                    other.span(),
                    format!(
                        "expected `= value` or `,` after `{key_name}`, found `{other}`; \
                         separate options with commas"
                    ),
                ));
            }
            [] => continue,
        };
        let text = value.as_ref().map(ToString::to_string);
        let call = match (key_name.as_str(), text.as_deref()) {
            ("clock", Some("\"real\"")) => ("clock", "::evloop::time::ClockKind::Real"),
            ("clock", Some("\"virtual\"")) => ("clock", "::evloop::time::ClockKind::Virtual"),
            ("clock", _) => {
                let span = value.as_ref().map_or(key.span(), TokenTree::span);
                return Err((
                    span,
                    "`clock` takes \"real\" or \"virtual\": write `clock = \"virtual\"`".into(),
                ));
            }
            ("debug", None | Some("true")) => ("debug", "true"),
            ("debug", Some("false")) => ("debug", "false"),
            ("debug", Some(other)) => {
                return Err((
                    value.as_ref().map_or(key.span(), TokenTree::span),
                    format!(
                        "`debug` is a flag: write `debug` or `debug = false`, not `debug = {other}`"
                    ),
                ));
            }
            (other, _) => return Err((key.span(), bad_main_option(other))),
        };
        calls.push((call.0.to_string(), call.1.to_string()));
    }
    Ok(calls)
}

fn bad_main_option(found: &str) -> String {
    format!(
        "unknown option `{found}` for #[evloop::main]; the options are `clock = \"real\"` \
         (or \"virtual\") and `debug` (or `debug = false`)"
    )
}

type Error = (Span, String);

/// The harness settings chosen in the attribute, as builder calls.
struct Options {
    calls: Vec<(String, TokenStream)>,
}

fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream, Error> {
    let options = parse_options(attr)?;
    let f = parse_fn(item, "#[evloop::test]")?;

    let mut out = String::new();
    out.push_str("#[::core::prelude::v1::test]");
    let mut ts: TokenStream = out.parse().expect("a valid attribute");
    ts.extend(f.attrs);
    ts.extend(f.vis);
    ts.extend([TokenTree::Ident(Ident::new("fn", Span::call_site()))]);
    ts.extend([TokenTree::Ident(f.name)]);
    ts.extend([TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        TokenStream::new(),
    ))]);

    let mut harness: TokenStream = "::evloop::testing::Harness::new()"
        .parse()
        .expect("a valid path");
    for (method, arg) in options.calls {
        harness.extend(format!(".{method}").parse::<TokenStream>().expect("a call"));
        harness.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, arg))]);
    }
    let ret = if f.ret.is_empty() {
        "()".parse().expect("unit")
    } else {
        f.ret
    };
    let mut typed: TokenStream = "::evloop::testing::typed::<".parse().expect("a path");
    typed.extend(ret);
    typed.extend(", _>".parse::<TokenStream>().expect("generics"));
    let mut future: TokenStream = "async move".parse().expect("async move");
    future.extend([TokenTree::Group(f.body)]);
    typed.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, future))]);
    let mut closure: TokenStream = "||".parse().expect("a closure");
    closure.extend(typed);
    let mut args = harness;
    args.extend(",".parse::<TokenStream>().expect("a comma"));
    args.extend(closure);
    let mut body: TokenStream = "::evloop::__test_main".parse().expect("a path");
    body.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, args))]);
    body.extend(";".parse::<TokenStream>().expect("a semicolon"));
    ts.extend([TokenTree::Group(Group::new(Delimiter::Brace, body))]);
    Ok(ts)
}

fn parse_options(attr: TokenStream) -> Result<Options, Error> {
    let mut calls = Vec::new();
    let tokens: Vec<TokenTree> = attr.into_iter().collect();
    for option in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let Some(first) = option.first() else {
            continue;
        };
        let TokenTree::Ident(key) = first else {
            return Err((first.span(), bad_option(&first.to_string())));
        };
        let key_name = key.to_string();
        let value = match option.get(1) {
            None => None,
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => match option.get(2) {
                Some(v) if option.len() == 3 => Some(v.clone()),
                Some(v) if option.len() > 3 => {
                    return Err((
                        option[3].span(),
                        format!(
                            "unexpected `{}` after `{key_name} = {v}`: separate options with commas",
                            option[3]
                        ),
                    ));
                }
                _ => return Err((p.span(), format!("`{key_name} =` needs a value"))),
            },
            Some(other) => {
                return Err((
                    other.span(),
                    format!("expected `=` or `,` after `{key_name}`, found `{other}`"),
                ));
            }
        };
        let call = match key_name.as_str() {
            "explore" => match &value {
                Some(TokenTree::Ident(all)) if all.to_string() == "all" => {
                    ("exhaustive", "true".to_string())
                }
                _ => ("runs", integer(key, value)?),
            },
            "preemption_bound" => ("preemption_bound", integer(key, value)?),
            "determinism" => match value {
                None => ("check_determinism", "true".to_string()),
                Some(TokenTree::Ident(b))
                    if b.to_string() == "true" || b.to_string() == "false" =>
                {
                    ("check_determinism", b.to_string())
                }
                Some(v) => {
                    return Err((
                        v.span(),
                        format!(
                            "`determinism` is a flag: write `determinism = false` to skip the check, not `determinism = {v}`"
                        ),
                    ));
                }
            },
            "reduction" => match value {
                None => ("reduction", "true".to_string()),
                Some(TokenTree::Ident(b))
                    if b.to_string() == "true" || b.to_string() == "false" =>
                {
                    ("reduction", b.to_string())
                }
                Some(v) => {
                    return Err((
                        v.span(),
                        format!(
                            "`reduction` is a flag: write `reduction = false` to turn it off, not `reduction = {v}`"
                        ),
                    ));
                }
            },
            "seed" => ("seed", integer(key, value)?),
            "depth" => ("depth", integer(key, value)?),
            "poll_budget" => ("poll_budget", integer(key, value)?),
            "strict" => match value {
                None => ("strict", "true".to_string()),
                Some(TokenTree::Ident(b))
                    if b.to_string() == "true" || b.to_string() == "false" =>
                {
                    ("strict", b.to_string())
                }
                Some(v) => {
                    return Err((
                        v.span(),
                        format!(
                            "`strict` is a flag: write `strict` or `strict = true`, not `strict = {v}`"
                        ),
                    ));
                }
            },
            "clock" => {
                let text = value.as_ref().map(ToString::to_string);
                match text.as_deref() {
                    Some("\"real\"") => ("clock", "::evloop::time::ClockKind::Real".to_string()),
                    Some("\"virtual\"") => {
                        ("clock", "::evloop::time::ClockKind::Virtual".to_string())
                    }
                    _ => {
                        let span = value.as_ref().map_or(key.span(), TokenTree::span);
                        return Err((
                            span,
                            "`clock` takes \"real\" or \"virtual\": write `clock = \"real\"`"
                                .into(),
                        ));
                    }
                }
            }
            other => return Err((key.span(), bad_option(other))),
        };
        calls.push((
            call.0.to_string(),
            call.1.parse().expect("a valid argument"),
        ));
    }
    Ok(Options { calls })
}

fn bad_option(found: &str) -> String {
    format!(
        "unknown option `{found}` for #[evloop::test]; the options are `explore = N` (or \
         `explore = all`), `preemption_bound = N`, `reduction = false`, `determinism = false`, `clock = \"real\"`, \
         `strict`, `seed = N`, `depth = N`, `poll_budget = N`"
    )
}

fn integer(key: &Ident, value: Option<TokenTree>) -> Result<String, Error> {
    let Some(value) = value else {
        return Err((key.span(), format!("`{key}` needs a number: `{key} = 200`")));
    };
    let text = value.to_string().replace('_', "");
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &text[digits.len()..];
    let suffix_ok = suffix.is_empty() || (suffix.starts_with(['u', 'i']) && suffix.len() > 1);
    match digits.parse::<u64>() {
        Ok(n) if matches!(value, TokenTree::Literal(_)) && suffix_ok => Ok(n.to_string()),
        _ => Err((
            value.span(),
            format!("`{key}` needs a whole number, such as `{key} = 200`; found `{value}`"),
        )),
    }
}

/// The parts of the test function.
struct TestFn {
    attrs: Vec<TokenTree>,
    vis: Vec<TokenTree>,
    name: Ident,
    ret: TokenStream,
    body: Group,
}

fn parse_fn(item: TokenStream, what: &str) -> Result<TestFn, Error> {
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let mut i = 0;
    let mut attrs = Vec::new();
    // Outer attributes: `#` `[...]`.
    while let (Some(TokenTree::Punct(p)), Some(TokenTree::Group(g))) =
        (tokens.get(i), tokens.get(i + 1))
    {
        if p.as_char() != '#' || g.delimiter() != Delimiter::Bracket {
            break;
        }
        attrs.extend([tokens[i].clone(), tokens[i + 1].clone()]);
        i += 2;
    }
    let mut vis = Vec::new();
    if let Some(TokenTree::Ident(id)) = tokens.get(i)
        && id.to_string() == "pub"
    {
        vis.push(tokens[i].clone());
        i += 1;
        if let Some(TokenTree::Group(g)) = tokens.get(i)
            && g.delimiter() == Delimiter::Parenthesis
        {
            vis.push(tokens[i].clone());
            i += 1;
        }
    }
    let word = |i: usize| match tokens.get(i) {
        Some(TokenTree::Ident(id)) => Some(id.to_string()),
        _ => None,
    };
    let span_at = |i: usize| tokens.get(i).map_or(Span::call_site(), TokenTree::span);
    match word(i).as_deref() {
        Some("async") => i += 1,
        Some("fn") => {
            return Err((
                span_at(i),
                format!(
                    "{what} runs an `async fn`: write `async fn`{}",
                    if what == "#[evloop::test]" {
                        ", or use #[test] for a plain fn"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Some(q @ ("const" | "unsafe" | "extern")) => {
            return Err((span_at(i), format!("{what} functions cannot be `{q}`")));
        }
        _ => {
            return Err((span_at(i), format!("{what} goes on an `async fn`")));
        }
    }
    if word(i).as_deref() != Some("fn") {
        return Err((span_at(i), format!("{what} goes on an `async fn`")));
    }
    i += 1;
    let Some(TokenTree::Ident(name)) = tokens.get(i).cloned() else {
        return Err((span_at(i), "expected the test function's name".into()));
    };
    i += 1;
    match tokens.get(i) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            if !g.stream().is_empty() {
                return Err((
                    g.span(),
                    format!("{what} functions take no arguments (evloop calls them)"),
                ));
            }
            i += 1;
        }
        Some(TokenTree::Punct(p)) if p.as_char() == '<' => {
            return Err((p.span(), format!("{what} functions cannot be generic")));
        }
        _ => return Err((span_at(i), "expected `()` after the test's name".into())),
    }
    let mut ret = TokenStream::new();
    if let Some(TokenTree::Punct(p)) = tokens.get(i)
        && p.as_char() == '-'
    {
        i += 2; // `->`
        while let Some(t) = tokens.get(i) {
            if matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
                && i == tokens.len() - 1
            {
                break;
            }
            if matches!(t, TokenTree::Ident(w) if w.to_string() == "where") {
                return Err((
                    t.span(),
                    format!("{what} functions cannot have a `where` clause"),
                ));
            }
            ret.extend([t.clone()]);
            i += 1;
        }
    }
    match tokens.get(i) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace && i == tokens.len() - 1 => {
            Ok(TestFn {
                attrs,
                vis,
                name,
                ret,
                body: g.clone(),
            })
        }
        _ => Err((
            span_at(i),
            "expected the test function's body `{ … }`".into(),
        )),
    }
}

/// `::core::compile_error!("message");`, pointing at `span`.
fn compile_error(span: Span, message: &str) -> TokenStream {
    let punct = |c: char, spacing: Spacing| {
        let mut p = Punct::new(c, spacing);
        p.set_span(span);
        TokenTree::Punct(p)
    };
    let mut literal = Literal::string(message);
    literal.set_span(span);
    let mut args = Group::new(
        Delimiter::Parenthesis,
        TokenStream::from(TokenTree::Literal(literal)),
    );
    args.set_span(span);
    TokenStream::from_iter([
        punct(':', Spacing::Joint),
        punct(':', Spacing::Alone),
        TokenTree::Ident(Ident::new("core", span)),
        punct(':', Spacing::Joint),
        punct(':', Spacing::Alone),
        TokenTree::Ident(Ident::new("compile_error", span)),
        punct('!', Spacing::Alone),
        TokenTree::Group(args),
        punct(';', Spacing::Alone),
    ])
}
