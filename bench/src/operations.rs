//! The contract's operations, as a client sends them: one operation with the fragments it
//! uses, cut out of the contract files the API's tests also run.

const VOLUNTEER_APP: &str =
    include_str!("../../api/tests/contract/operations/volunteer-app.graphql");
const RESIDENT_FEEDBACK: &str =
    include_str!("../../api/tests/contract/operations/resident-feedback.graphql");
const DASHBOARD: &str = include_str!("../../api/tests/contract/operations/dashboard.graphql");
const ORGANIZER: &str = include_str!("../../api/tests/contract/operations/organizer.graphql");
const AUTH: &str = include_str!("../../api/tests/contract/operations/auth.graphql");

/// Top-level definitions of a document: (keyword, name, text).
fn definitions(doc: &str) -> Vec<(&str, &str, &str)> {
    let bytes = doc.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_whitespace() || c == b',' {
            i += 1;
            continue;
        }
        // A definition: keyword, name, then a balanced selection set.
        let start = i;
        let mut depth = 0usize;
        let mut seen_brace = false;
        while i < bytes.len() {
            match bytes[i] {
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'{' => {
                    depth += 1;
                    seen_brace = true;
                }
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && seen_brace {
                        i += 1;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let text = &doc[start..i];
        let mut words = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty());
        let keyword = words.next().unwrap_or("");
        let name = words.next().unwrap_or("");
        out.push((keyword, name, text));
    }
    out
}

/// The operation `name` with every fragment it spreads, transitively.
fn operation(doc: &str, name: &str) -> String {
    let defs = definitions(doc);
    let (_, _, op) = defs
        .iter()
        .find(|(kw, n, _)| *kw != "fragment" && *n == name)
        .unwrap_or_else(|| panic!("operation {name} is not in the contract"));
    let mut text = (*op).to_owned();
    let mut included: Vec<&str> = Vec::new();
    loop {
        let wanted: Vec<&str> = defs
            .iter()
            .filter(|(kw, n, _)| {
                *kw == "fragment" && !included.contains(n) && text.contains(&format!("...{n}"))
            })
            .map(|(_, n, _)| *n)
            .collect();
        if wanted.is_empty() {
            break;
        }
        for n in wanted {
            let (_, _, frag) = defs
                .iter()
                .find(|(kw, f, _)| *kw == "fragment" && *f == n)
                .expect("fragment");
            text.push('\n');
            text.push_str(frag);
            included.push(n);
        }
    }
    text
}

pub struct Operations {
    pub activity_feed: String,
    pub activity_detail: String,
    pub register: String,
    pub submit_survey: String,
    pub dashboard_overview: String,
    pub dashboard_hours: String,
    pub complete_activity: String,
    /// The reads of one volunteer's session, by name, for the one-user scenario.
    pub volunteer_reads: Vec<(&'static str, String)>,
}

impl Operations {
    pub fn load() -> Self {
        Operations {
            activity_feed: operation(VOLUNTEER_APP, "ActivityFeed"),
            activity_detail: operation(VOLUNTEER_APP, "ActivityDetail"),
            register: operation(VOLUNTEER_APP, "RegisterForActivity"),
            submit_survey: operation(RESIDENT_FEEDBACK, "SubmitSurveyResponse"),
            dashboard_overview: operation(DASHBOARD, "DashboardOverview"),
            dashboard_hours: operation(DASHBOARD, "DashboardHours"),
            complete_activity: operation(ORGANIZER, "CompleteActivity"),
            volunteer_reads: [
                (AUTH, "Me"),
                (VOLUNTEER_APP, "ActivityFeed"),
                (VOLUNTEER_APP, "ActivityDetail"),
                (VOLUNTEER_APP, "MyRegistrations"),
                (VOLUNTEER_APP, "MyServiceRecords"),
                (RESIDENT_FEEDBACK, "OpenSurveys"),
                (RESIDENT_FEEDBACK, "Survey"),
                (RESIDENT_FEEDBACK, "MyFeedback"),
            ]
            .into_iter()
            .map(|(doc, name)| (name, operation(doc, name)))
            .collect(),
        }
    }
}

/// A request body: `{"query", "operationName", "variables"}`.
pub fn body(query: &str, operation_name: &str, variables: serde_json::Value) -> String {
    serde_json::json!({
        "query": query,
        "operationName": operation_name,
        "variables": variables,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_carries_its_fragment_once() {
        let ops = Operations::load();
        assert!(ops.activity_feed.starts_with("query ActivityFeed"));
        assert_eq!(
            ops.activity_feed.matches("fragment ActivityCard").count(),
            1
        );
        assert!(ops.activity_detail.contains("fragment ActivityCard"));
        assert!(!ops.register.contains("fragment"));
        assert!(ops.dashboard_hours.contains("topVolunteers"));
        assert!(!ops.dashboard_hours.contains("DashboardOverview"));
    }
}
