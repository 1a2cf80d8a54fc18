//! MDM variables (`lint --mdm NAME`): unknown or misspelt ones, names the MDM may put into the XML
//! unescaped, and, without `--mdm`, a hint naming the MDM whose variables a file holds.

use crate::i18n::tr;
use crate::lint::rules::leftovers::each_string;
use crate::lint::{Rule, Severity};
use crate::mdm::{Escapes, Style};

pub static UNKNOWN_VARIABLE: Rule = Rule {
    id: "PG505",
    name: "mdm-variable-unknown",
    severity: Severity::Error,
    summary: "A variable in the MDM's syntax that the MDM does not define (a typo, or the wrong case)",
    why: "MDMs substitute only the variables they know, and most match case exactly: Intune delivers {{DeviceID}} as literal text, Jamf leaves $Email alone. The phone then gets the variable's name as the address or login.",
    phone_ja: "アカウントエラー / サーバに接続できません",
    phone_en: "Account Error / Cannot connect to the server",
    example: "<string>{{Mail}}</string> for Intune (the token is {{mail}})",
    fix: "Use the MDM's variable exactly as `profilegen mdm show NAME` lists it.",
    check: |ctx, sink| {
        let Some(m) = ctx.mdm else { return };
        if m.style == Style::Generic {
            return;
        }
        let mut found = Vec::new();
        each_string(ctx, &mut |path, s| {
            for (_, tok) in m.tokens(s) {
                if !m.knows(tok) {
                    found.push((path.to_string(), tok.to_string(), m.suggest(tok).map(str::to_string)));
                }
            }
        });
        for (path, tok, suggestion) in found {
            sink.emit(
                path,
                tr(format!("{tok} is not a {} variable; it would reach the phone as text", m.name), format!("{tok} は {} の変数ではないため、そのまま文字として iPhone に届きます", m.name)),
                Some(match suggestion {
                    Some(s) => tr(format!("did you mean {s}? (variables are case-sensitive)"), format!("{s} のことですか?(変数は大文字と小文字を区別します)")),
                    None => tr(format!("`profilegen mdm show {}` lists the variables", m.id), format!("`profilegen mdm show {}` で変数の一覧を表示できます", m.id)),
                }),
            );
        }
    },
};

pub static UNESCAPED_NAME: Rule = Rule {
    id: "PG506",
    name: "mdm-value-unescaped",
    severity: Severity::Warning,
    summary: "A user's name variable in a profile of an MDM not known to XML-escape what it substitutes",
    why: "The MDM writes the value into the XML text. A name such as R&D or O'Brien <Sales> is not valid XML unless the MDM escapes it; only Fleet documents that it does. The profile then fails to install on that user's device.",
    phone_ja: "プロファイルをインストールできません(その利用者の端末で)",
    phone_en: "The profile could not be installed (on that user's device)",
    example: "<key>EmailAccountName</key><string>$FULLNAME</string> for Jamf Pro",
    fix: "Check that the users' names in the MDM hold no &, < or >, or give a fixed --name instead of the variable.",
    check: |ctx, sink| {
        let Some(m) = ctx.mdm else { return };
        if m.escapes_xml == Escapes::Yes {
            return;
        }
        let Some(full) = m.roles.full_name.as_deref() else { return };
        let names: Vec<&str> = m.tokens(full).into_iter().map(|(_, t)| t).collect();
        let mut found = Vec::new();
        each_string(ctx, &mut |path, s| {
            if m.tokens(s).iter().any(|(_, t)| names.contains(t)) {
                found.push(path.to_string());
            }
        });
        for path in found {
            sink.emit(path, tr(format!("{full} is a person's name, and {} is not documented to escape &, < and > when it writes it into the XML", m.name), format!("{full} は人の名前で、{} がそれを XML に書き込むときに &、<、> をエスケープするかは文書で確認できません", m.name)), None);
        }
    },
};

pub static DETECTED: Rule = Rule {
    id: "PG507",
    name: "mdm-variables-detected",
    severity: Severity::Info,
    summary: "Values that are an MDM's variables, linted without --mdm",
    why: "An MDM's custom profile holds its variables ($EMAIL, {{mail}}, %Email%) where the address and names go; checked as a plain profile they look like template leftovers. With --mdm the linter knows them and checks their spelling.",
    phone_ja: "",
    phone_en: "",
    example: "<key>EmailAddress</key><string>$EMAIL</string>",
    fix: "Lint with --mdm NAME (`profilegen mdm list`).",
    check: |ctx, sink| {
        if ctx.mdm.is_some() {
            return;
        }
        let mut strings = Vec::new();
        each_string(ctx, &mut |_, s| strings.push(s.to_string()));
        if let Some(m) = crate::mdm::detect(strings.iter().map(String::as_str)) {
            sink.emit("", tr(format!("the values hold {}'s variables: lint with --mdm {}", m.name, m.id), format!("値に {} の変数があります。--mdm {} を付けて検査してください", m.name, m.id)), None);
        }
    },
};
