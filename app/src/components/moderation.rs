//! What owners and moderators see beyond everyone else: role badges (for all) and the room
//! settings panel (a message's Delete button and the actions on a person are written with the
//! message or the people online, by `message_html`; the panel's forms by `settings_html`).
//! Every control is a plain form posting to its server function, so it works without
//! JavaScript; in the browser each list's one submit handler posts them in place. The server
//! checks the role again, whatever the page shows.

use crate::api::moderation::{list_bans, moderation_log, DeleteRoom, LiftBan};
use crate::client::form_post;
use crate::components::drawn_html::kept_drawn;
use crate::components::form_error::FormError;
use crate::error::AppError;
use crate::settings_html;
use domain::moderation::{BanEntry, LogEntry, Role, RoomState};
use domain::HashKey;
use leptos::html::Div;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

/// Counts the moderation actions made on this page: the bans and the log reload after each.
#[derive(Clone, Copy)]
pub struct ModActions {
    done: RwSignal<usize>,
}

impl ModActions {
    /// The count, created once per room page.
    pub fn new() -> Self {
        Self {
            done: RwSignal::new(0),
        }
    }

    /// Notes an action that succeeded (from the forms of a message, a person or the panel).
    pub fn succeeded(self) {
        self.done.update(|n| *n += 1);
    }

    /// Changes whenever an action succeeded.
    fn version(self) -> usize {
        self.done.get()
    }
}

impl Default for ModActions {
    fn default() -> Self {
        Self::new()
    }
}

/// "owner" or "mod" next to a name, if they hold a role.
#[component]
pub fn RoleBadge(#[prop(into)] role: Signal<Option<Role>>) -> impl IntoView {
    move || {
        role.get().map(|role| {
            let class = format!("role-badge role-{}", role.as_str());
            view! { <span class=class title=role.as_str()>{role.badge()}</span> }
        })
    }
}

/// What the settings panel loads from the server: the bans and the moderation log, each
/// reloaded after every action.
#[derive(Clone, Copy)]
pub struct SettingsData {
    bans: Resource<Result<Vec<BanEntry>, AppError>>,
    log: Resource<Result<Vec<LogEntry>, AppError>>,
}

impl SettingsData {
    /// Starts loading both for the room behind `hash_key`. Made outside reactive closures: the
    /// server runs such a closure twice (once to find the resources in it), so resources made
    /// inside one would each be fetched twice.
    pub fn load(hash_key: &HashKey, actions: ModActions) -> Self {
        let key = StoredValue::new(hash_key.to_string());
        Self {
            bans: Resource::new(
                move || actions.version(),
                move |_| list_bans(key.get_value()),
            ),
            log: Resource::new(
                move || actions.version(),
                move |_| moderation_log(key.get_value()),
            ),
        }
    }
}

/// The room settings panel (owner and moderators): lock, link, slow mode, name, retention,
/// deletion, bans and the moderation log.
#[component]
pub fn RoomSettings(
    hash_key: HashKey,
    #[prop(into)] state: Signal<RoomState>,
    my_role: Role,
    actions: ModActions,
    data: SettingsData,
) -> impl IntoView {
    let owner = my_role == Role::Owner;
    let key = StoredValue::new(hash_key.to_string());
    let SettingsData { bans, log } = data;
    let refusal = RwSignal::new(None::<String>);
    let section = |write: fn(&mut String, &RoomState)| {
        let html = Memo::new(move |_| {
            let mut out = String::new();
            state.with(|state| write(&mut out, state));
            out
        });
        view! { <FormSection html/> }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(form) = form_post::submitted(&ev) else {
            return;
        };
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            match form_post::post(&form).await {
                Ok(_) if form.action().ends_with(DeleteRoom::PATH) => {
                    let _ = window().location().set_href("/");
                }
                Ok(_) => {
                    refusal.set(None);
                    actions.succeeded();
                }
                Err(why) => refusal.set(Some(why)),
            }
        });
    };

    view! {
        <details class="room-settings" on:submit=on_submit>
            <summary>"Room settings"</summary>
            <FormError error=refusal/>
            {section(settings_html::lock)}
            {section(|out, state| settings_html::rotate(out, &state.hash_key))}
            {section(settings_html::slow_mode)}
            {section(settings_html::rename)}
            {owner.then(|| section(settings_html::retention))}
            {owner.then(|| section(|out, state| settings_html::delete(out, &state.hash_key)))}
            <h3>"Bans"</h3>
            <Transition fallback=|| view! { <p>"Loading bans…"</p> }>
                {move || {
                Suspend::new(async move {
                    match bans.await {
                        Ok(list) if list.is_empty() => view! { <p class="hint">"Nobody is banned."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="bans">
                                {list.into_iter().map(|ban| {
                                    let label = format!("Lift the ban on {}", ban.username);
                                    view! {
                                        <li>
                                            <strong>{ban.username.clone()}</strong>
                                            " banned by " {ban.banned_by.clone()}
                                            <form method="post" action=LiftBan::PATH>
                                                <input type="hidden" name="hash_key" value=key.get_value()/>
                                                <input type="hidden" name="ban_id" value=ban.id/>
                                                <button type="submit" aria-label=label>"Lift ban"</button>
                                            </form>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })
                }}
            </Transition>
            <h3>"Moderation log"</h3>
            <Transition fallback=|| view! { <p>"Loading the log…"</p> }>
                {move || Suspend::new(async move {
                    match log.await {
                        Ok(lines) if lines.is_empty() => view! { <p class="hint">"Nothing yet."</p> }.into_any(),
                        Ok(lines) => view! {
                            <ol class="moderation-log">
                                {lines.into_iter().map(|line| view! {
                                    <li>
                                        <time datetime=line.at.clone()>{line.at.get(..16).unwrap_or("").replace('T', " ")}</time>
                                        " " <strong>{line.actor}</strong> " " {line.action} " " {line.detail}
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </details>
    }
    .into_any()
}

/// One form of the panel, drawn from `html` again when it changes; a button that had the focus
/// keeps it (it was just pressed: Lock becomes Unlock).
#[component]
fn FormSection(html: Memo<String>) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    let initial = kept_drawn(html, move |html| {
        let Some(el) = node.get() else { return };
        let had_focus = document()
            .active_element()
            .is_some_and(|focused| el.contains(Some(&focused)));
        el.set_inner_html(html);
        let button = el.query_selector("button").ok().flatten();
        if let (true, Some(Ok(button))) = (
            had_focus,
            button.map(wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>),
        ) {
            let _ = button.focus();
        }
    });
    view! { <div class="settings-form" node_ref=node inner_html=initial></div> }
}
