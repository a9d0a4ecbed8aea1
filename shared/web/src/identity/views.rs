//! The page contents of signing in, one's account and administration: askama templates under
//! `templates/{auth,users,roles,api_keys,staff,dashboard}`, with the data each shows.

use askama::Template;
use crm_domain::access::{Action, Permission, PermissionSet, Resource};

use super::labels;
use crate::i18n::{Lang, Texts};
use crate::ui::{DataTable, EmptyState, ErrorSummary, Field, FieldErrors, FilterForm};

/// A link in a row of tabs.
#[derive(Clone, Debug)]
pub struct Tab {
    pub label: String,
    pub href: String,
    pub active: bool,
}

/// A form: fields, a submit button, optional intro, form-level message and links below.
#[derive(Template, Clone, Debug)]
#[template(path = "auth/form.html")]
pub struct FormView {
    pub intro: Option<String>,
    /// An error about the whole form (not one field).
    pub message: Option<String>,
    pub summary: ErrorSummary,
    pub action: String,
    pub csrf: String,
    pub fields: Vec<Field>,
    pub submit: String,
    /// A second submit button: (its `name`, its label), e.g. cancel.
    pub secondary: Option<(String, String)>,
    pub links: Vec<(String, String)>,
    pub danger: bool,
    pub confirm: Option<String>,
    /// Extra hidden fields.
    pub hidden: Vec<(String, String)>,
    /// `post`, or `get` for forms that only choose what to show.
    pub method: &'static str,
}

impl FormView {
    pub fn new(
        t: &'static Texts,
        action: impl Into<String>,
        csrf: impl Into<String>,
        submit: impl Into<String>,
    ) -> Self {
        Self {
            intro: None,
            message: None,
            summary: ErrorSummary::new(t, &FieldErrors::new()),
            action: action.into(),
            csrf: csrf.into(),
            fields: Vec::new(),
            submit: submit.into(),
            secondary: None,
            links: Vec::new(),
            danger: false,
            confirm: None,
            hidden: Vec::new(),
            method: "post",
        }
    }

    /// A GET form (no CSRF token needed: it changes nothing).
    pub fn get(mut self) -> Self {
        self.method = "get";
        self.csrf.clear();
        self
    }

    pub fn intro(mut self, text: impl Into<String>) -> Self {
        self.intro = Some(text.into());
        self
    }

    pub fn message(mut self, text: Option<String>) -> Self {
        self.message = text;
        self
    }

    pub fn errors(mut self, t: &'static Texts, errors: &FieldErrors) -> Self {
        self.summary = ErrorSummary::new(t, errors);
        self.fields = self
            .fields
            .into_iter()
            .map(|field| field.errors(errors))
            .collect();
        self
    }

    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    pub fn link(mut self, label: impl Into<String>, href: impl Into<String>) -> Self {
        self.links.push((label.into(), href.into()));
        self
    }

    pub fn secondary(mut self, name: impl Into<String>, label: impl Into<String>) -> Self {
        self.secondary = Some((name.into(), label.into()));
        self
    }

    pub fn danger(mut self, confirm: impl Into<String>) -> Self {
        self.danger = true;
        self.confirm = Some(confirm.into());
        self
    }

    pub fn hidden(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.hidden.push((name.into(), value.into()));
        self
    }
}

/// A short message with links (a dead link, a sent email).
#[derive(Template, Clone, Debug)]
#[template(path = "auth/message.html")]
pub struct MessageView {
    pub text: String,
    pub links: Vec<(String, String)>,
}

/// TOTP setup: the QR code, the key and the confirming form.
#[derive(Template, Clone, Debug)]
#[template(path = "auth/totp.html")]
pub struct TotpSetupView {
    pub intro: String,
    pub qr_svg: String,
    pub secret_label: String,
    /// The key in groups of four, easier to type.
    pub secret_grouped: String,
    pub form: FormView,
}

/// One's own account page.
#[derive(Template, Clone, Debug)]
#[template(path = "auth/account.html")]
pub struct AccountView {
    pub profile_heading: String,
    pub rows: Vec<(String, String)>,
    pub totp_heading: String,
    pub totp_text: String,
    pub totp_link: (String, String),
    pub sessions_link: (String, String),
    pub password_heading: String,
    pub password_form: FormView,
}

/// One row of the sessions list.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub id: String,
    pub started: String,
    pub last_seen: String,
    pub ip: String,
    pub agent: String,
    pub current: bool,
    pub note: Option<String>,
}

#[derive(Template, Clone, Debug)]
#[template(path = "auth/sessions.html")]
pub struct SessionsView {
    pub caption: String,
    pub columns: [String; 5],
    pub rows: Vec<SessionRow>,
    pub this_session: String,
    pub revoke: String,
    pub revoke_others: String,
    pub revoke_others_confirm: String,
    /// `/account/sessions` or `/central/account/sessions`.
    pub base: String,
    pub csrf: String,
    pub back: (String, String),
}

/// A list of people with tabs, search and an invite button.
#[derive(Template, Clone, Debug)]
#[template(path = "users/list.html")]
pub struct PeopleView {
    pub tabs: Vec<Tab>,
    pub tabs_label: String,
    pub filter: FilterForm,
    pub table: DataTable,
    pub invite: Option<(String, String)>,
}

/// One person: details, the role form, enabling or disabling.
#[derive(Template, Clone, Debug)]
#[template(path = "users/person.html")]
pub struct PersonView {
    pub rows: Vec<(String, String)>,
    pub role_form: Option<FormView>,
    pub status_form: Option<FormView>,
    pub back: (String, String),
}

#[derive(Clone, Debug)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub expires: String,
}

#[derive(Template, Clone, Debug)]
#[template(path = "users/invitations.html")]
pub struct InvitationsView {
    pub tabs: Vec<Tab>,
    pub tabs_label: String,
    pub invite_heading: String,
    pub form: Option<FormView>,
    pub caption: String,
    pub columns: [String; 5],
    pub rows: Vec<InvitationRow>,
    pub can_revoke: bool,
    pub revoke: String,
    pub revoke_confirm: String,
    /// `/users/invitations` or `/central/staff/invitations`.
    pub base: String,
    pub csrf: String,
    pub empty: EmptyState,
}

/// A checkbox grid of permissions: resources down, actions across.
#[derive(Template, Clone, Debug)]
#[template(path = "roles/matrix.html")]
pub struct PermissionMatrix {
    pub caption: String,
    pub field: &'static str,
    pub actions: Vec<String>,
    pub rows: Vec<MatrixRow>,
    pub error: Option<String>,
    pub hint: Option<String>,
    pub read_only: bool,
}

#[derive(Clone, Debug)]
pub struct MatrixRow {
    pub label: String,
    pub cells: Vec<MatrixCell>,
}

#[derive(Clone, Debug)]
pub struct MatrixCell {
    pub value: String,
    pub id: String,
    pub label: String,
    pub checked: bool,
    pub disabled: bool,
}

impl PermissionMatrix {
    /// The grid for `field`: `checked` ticked, only `grantable` ones changeable.
    pub fn new(
        lang: Lang,
        caption: impl Into<String>,
        field: &'static str,
        checked: &PermissionSet,
        grantable: &PermissionSet,
    ) -> Self {
        let rows = Resource::ALL
            .into_iter()
            .map(|resource| MatrixRow {
                label: labels::resource(resource, lang).to_owned(),
                cells: Action::ALL
                    .into_iter()
                    .map(|action| {
                        let permission = Permission::new(resource, action);
                        MatrixCell {
                            value: permission.to_string(),
                            id: format!("{field}-{}-{}", resource.as_str(), action.as_str()),
                            label: labels::permission(permission, lang),
                            checked: checked.allows(permission),
                            disabled: !grantable.allows(permission),
                        }
                    })
                    .collect(),
            })
            .collect();
        Self {
            caption: caption.into(),
            field,
            actions: Action::ALL
                .into_iter()
                .map(|a| labels::action(a, lang).to_owned())
                .collect(),
            rows,
            error: None,
            hint: None,
            read_only: false,
        }
    }

    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn errors(mut self, errors: &FieldErrors) -> Self {
        self.error = errors.get(self.field).map(str::to_owned);
        self
    }
}

#[derive(Clone, Debug)]
pub struct RoleRow {
    pub name: String,
    pub href: String,
    pub count: usize,
}

#[derive(Template, Clone, Debug)]
#[template(path = "roles/list.html")]
pub struct RolesView {
    pub tabs: Vec<Tab>,
    pub tabs_label: String,
    pub builtin_heading: String,
    pub builtin_note: String,
    pub builtin: Vec<RoleRow>,
    pub custom_heading: String,
    pub custom: Vec<RoleRow>,
    pub columns: [String; 2],
    pub caption: String,
    pub new_role: Option<(String, String)>,
    pub empty: EmptyState,
}

#[derive(Template, Clone, Debug)]
#[template(path = "roles/form.html")]
pub struct RoleFormView {
    pub summary: ErrorSummary,
    pub action: Option<String>,
    pub csrf: String,
    pub name: Option<Field>,
    pub matrix: PermissionMatrix,
    pub submit: String,
    pub delete: Option<FormView>,
    pub back: (String, String),
}

#[derive(Clone, Debug)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub hint: String,
    pub scopes: String,
    pub created: String,
    pub last_used: String,
    pub status: String,
    pub active: bool,
}

#[derive(Template, Clone, Debug)]
#[template(path = "api_keys/list.html")]
pub struct ApiKeysView {
    pub tabs: Vec<Tab>,
    pub tabs_label: String,
    pub intro: String,
    pub caption: String,
    pub columns: [String; 7],
    pub rows: Vec<KeyRow>,
    pub can_revoke: bool,
    pub revoke: String,
    pub revoke_confirm: String,
    pub csrf: String,
    pub empty: EmptyState,
    pub create_heading: String,
    pub create: Option<(FormView, PermissionMatrix)>,
}

#[derive(Template, Clone, Debug)]
#[template(path = "api_keys/created.html")]
pub struct ApiKeyCreatedView {
    pub warning: String,
    pub token_label: String,
    pub token: String,
    pub copy: String,
    pub done: (String, String),
}

#[derive(Template, Clone, Debug)]
#[template(path = "dashboard/tenant.html")]
pub struct DashboardView {
    pub greeting: String,
    pub empty: EmptyState,
    pub shortcuts_heading: String,
    pub shortcuts: Vec<(String, String)>,
}

#[derive(Template, Clone, Debug)]
#[template(path = "dashboard/central.html")]
pub struct CentralHomeView {
    pub intro: String,
    pub empty: EmptyState,
    pub shortcuts_heading: String,
    pub shortcuts: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct ImpersonationRow {
    pub tenant: String,
    pub user: String,
    pub staff: String,
    pub reason: String,
    pub started: String,
}

#[derive(Template, Clone, Debug)]
#[template(path = "staff/impersonations.html")]
pub struct ImpersonationsView {
    pub intro: String,
    /// The GET form that picks the organisation and lists its users.
    pub tenant_form: FormView,
    pub start_form: Option<FormView>,
    pub note: Option<String>,
    pub recent_heading: String,
    pub caption: String,
    pub columns: [String; 5],
    pub rows: Vec<ImpersonationRow>,
    pub empty: EmptyState,
}

impl askama::filters::HtmlSafe for FormView {}
impl askama::filters::HtmlSafe for PermissionMatrix {}
