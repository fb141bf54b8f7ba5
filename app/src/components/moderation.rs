//! What owners and moderators see beyond everyone else: role badges (for all) and the room
//! settings panel (a message's Delete button and the actions on a person are written with the
//! message or the people online, by `message_html`). Every control is a plain form posting to
//! its server function, so it works without JavaScript; the server checks the role again,
//! whatever the page shows.

use crate::api::moderation::{list_bans, moderation_log};
use crate::api::moderation::{
    DeleteRoom, LiftBan, RenameRoom, RotateLink, SetLocked, SetRetention, SetSlowMode,
    DELETE_CONFIRMATION,
};
use crate::components::form_error::FormError;
use crate::error::AppError;
use domain::moderation::{BanEntry, LogEntry, Retention, Role, RoomState, SlowMode};
use domain::{HashKey, RoomName};
use leptos::prelude::*;

/// Every moderation action of one page, shared by its forms.
#[derive(Clone, Copy)]
pub struct ModActions {
    /// Counts actions made from the forms of messages and people (posted without these
    /// actions).
    elsewhere: RwSignal<usize>,
    lift_ban: ServerAction<LiftBan>,
    lock: ServerAction<SetLocked>,
    rotate: ServerAction<RotateLink>,
    slow_mode: ServerAction<SetSlowMode>,
    rename: ServerAction<RenameRoom>,
    retention: ServerAction<SetRetention>,
    delete_room: ServerAction<DeleteRoom>,
}

impl ModActions {
    /// The actions, created once per room page.
    pub fn new() -> Self {
        Self {
            elsewhere: RwSignal::new(0),
            lift_ban: ServerAction::new(),
            lock: ServerAction::new(),
            rotate: ServerAction::new(),
            slow_mode: ServerAction::new(),
            rename: ServerAction::new(),
            retention: ServerAction::new(),
            delete_room: ServerAction::new(),
        }
    }

    /// The error of the most recently finished action that failed, if any.
    pub fn last_error(self) -> Option<String> {
        fn err<T>(value: Option<Result<T, AppError>>) -> Option<String> {
            value.and_then(|r| r.err()).map(|e| e.to_string())
        }
        err(self.lift_ban.value().get())
            .or_else(|| err(self.lock.value().get()))
            .or_else(|| err(self.rotate.value().get()))
            .or_else(|| err(self.slow_mode.value().get()))
            .or_else(|| err(self.rename.value().get()))
            .or_else(|| err(self.retention.value().get()))
            .or_else(|| err(self.delete_room.value().get()))
    }

    /// Notes an action made from a message's or a person's forms: the bans and the log reload.
    pub fn moderated_elsewhere(self) {
        self.elsewhere.update(|n| *n += 1);
    }

    /// Changes whenever a ban is made or lifted (the bans list reloads).
    fn bans_version(self) -> usize {
        self.lift_ban.version().get() + self.elsewhere.get()
    }

    /// Changes whenever any action finished (the log reloads).
    fn any_version(self) -> usize {
        self.bans_version()
            + self.lock.version().get()
            + self.rotate.version().get()
            + self.slow_mode.version().get()
            + self.rename.version().get()
            + self.retention.version().get()
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
/// reloaded after the actions that change it.
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
                move || actions.bans_version(),
                move |_| list_bans(key.get_value()),
            ),
            log: Resource::new(
                move || actions.any_version(),
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
    // A copy handle: every form's children (a closure each) reads it.
    let key = StoredValue::new(hash_key.to_string());
    let locked = move || state.with(|s| s.locked);
    let current_slow = move || state.with(|s| s.slow_mode.secs());
    let current_retention = move || state.with(|s| s.retention);
    let SettingsData { bans, log } = data;

    let slow_options = SlowMode::CHOICES.map(|secs| {
        let label = if secs == 0 {
            "off".to_owned()
        } else {
            format!("{secs} s")
        };
        view! { <option value=secs selected=move || current_slow() == secs>{label}</option> }
    });
    let retention_form = owner.then(|| {
        let options = Retention::ALL.map(|choice| {
            view! {
                <option value=choice.as_str() selected=move || current_retention() == choice>
                    {choice.label()}
                </option>
            }
        });
        view! {
            <ActionForm action=actions.retention>
                <input type="hidden" name="hash_key" value=key.get_value()/>
                <label for="retention">"Keep messages"</label>
                <select id="retention" name="retention">{options.collect_view()}</select>
                <button type="submit">"Save retention"</button>
            </ActionForm>
            <ActionForm action=actions.delete_room attr:class="danger">
                <input type="hidden" name="hash_key" value=key.get_value()/>
                <label class="check">
                    <input type="checkbox" name="confirm" value=DELETE_CONFIRMATION required/>
                    " Yes, delete this room and every message in it"
                </label>
                <button type="submit" class="danger">"Delete room"</button>
            </ActionForm>
        }
    });

    view! {
        <details class="room-settings">
            <summary>"Room settings"</summary>
            <FormError error=Signal::derive(move || actions.last_error())/>
            <ActionForm action=actions.lock>
                <input type="hidden" name="hash_key" value=key.get_value()/>
                <input type="hidden" name="locked" value=move || (!locked()).to_string()/>
                <button type="submit">
                    {move || if locked() { "Unlock room" } else { "Lock room" }}
                </button>
                <span class="hint">
                    {move || {
                        if locked() {
                            "Closed to new people; members keep talking."
                        } else {
                            "Anyone with the link may enter."
                        }
                    }}
                </span>
            </ActionForm>
            <ActionForm action=actions.rotate>
                <input type="hidden" name="hash_key" value=key.get_value()/>
                <button type="submit">"Rotate link"</button>
                <span class="hint">"New link; the old one stops working for people not yet in the room."</span>
            </ActionForm>
            <ActionForm action=actions.slow_mode>
                <input type="hidden" name="hash_key" value=key.get_value()/>
                <label for="slow-mode">"Slow mode"</label>
                <select id="slow-mode" name="seconds">{slow_options.collect_view()}</select>
                <button type="submit">"Save slow mode"</button>
            </ActionForm>
            <ActionForm action=actions.rename>
                <input type="hidden" name="hash_key" value=key.get_value()/>
                <label for="room-name">"Room name"</label>
                <input
                    id="room-name"
                    name="name"
                    required
                    maxlength=RoomName::MAX_CHARS
                    value=move || state.with(|s| s.name.clone())
                />
                <button type="submit">"Rename"</button>
            </ActionForm>
            {retention_form}
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
                                            <ActionForm action=actions.lift_ban>
                                                <input type="hidden" name="hash_key" value=key.get_value()/>
                                                <input type="hidden" name="ban_id" value=ban.id/>
                                                <button type="submit" aria-label=label>"Lift ban"</button>
                                            </ActionForm>
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
