//! Who is in which room through which other instance. Kept by the listening task alone (no
//! lock); the hub hears only whether a person is present elsewhere at all.

use domain::ChatId;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// chat → username → the other instances that report the person there.
#[derive(Debug, Default)]
pub struct RemotePresence {
    rooms: HashMap<ChatId, BTreeMap<String, BTreeSet<u64>>>,
}

impl RemotePresence {
    /// Notes that `instance` reports `username` in `chat_id` (`present`) or not; returns
    /// whether the person's presence on other instances as a whole changed.
    pub fn report(
        &mut self,
        instance: u64,
        chat_id: ChatId,
        username: &str,
        present: bool,
    ) -> bool {
        let people = self.rooms.entry(chat_id).or_default();
        let was = people.contains_key(username);
        if present {
            people
                .entry(username.to_owned())
                .or_default()
                .insert(instance);
        } else if let Some(instances) = people.get_mut(username) {
            instances.remove(&instance);
            if instances.is_empty() {
                people.remove(username);
            }
        }
        let is = people.contains_key(username);
        if people.is_empty() {
            self.rooms.remove(&chat_id);
        }
        was != is
    }

    /// Forgets everything `instance` reported (it stopped or went silent); returns the people
    /// who are now on no other instance.
    pub fn forget(&mut self, instance: u64) -> Vec<(ChatId, String)> {
        let reported: Vec<(ChatId, String)> = self
            .rooms
            .iter()
            .flat_map(|(chat_id, people)| {
                people
                    .iter()
                    .filter(|(_, instances)| instances.contains(&instance))
                    .map(|(username, _)| (*chat_id, username.clone()))
            })
            .collect();
        reported
            .into_iter()
            .filter(|(chat_id, username)| self.report(instance, *chat_id, username, false))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: ChatId = ChatId(7);

    #[test]
    fn a_person_is_elsewhere_while_any_other_instance_reports_them() {
        let mut remote = RemotePresence::default();
        assert!(remote.report(2, ROOM, "bob", true), "bob arrives elsewhere");
        assert!(
            !remote.report(3, ROOM, "bob", true),
            "also on a third instance"
        );
        assert!(!remote.report(2, ROOM, "bob", false), "still on instance 3");
        assert!(remote.report(3, ROOM, "bob", false), "gone everywhere");
        assert!(
            !remote.report(3, ROOM, "bob", false),
            "a repeated leave changes nothing"
        );
        assert!(remote.rooms.is_empty());
    }

    #[test]
    fn forgetting_an_instance_reports_only_who_it_alone_had() {
        let mut remote = RemotePresence::default();
        remote.report(2, ROOM, "bob", true);
        remote.report(2, ROOM, "carol", true);
        remote.report(3, ROOM, "carol", true);
        remote.report(2, ChatId(8), "dave", true);
        let mut gone = remote.forget(2);
        gone.sort();
        assert_eq!(
            gone,
            [(ROOM, "bob".to_owned()), (ChatId(8), "dave".to_owned())]
        );
        assert!(remote.forget(2).is_empty());
        assert_eq!(remote.forget(3), [(ROOM, "carol".to_owned())]);
    }
}
