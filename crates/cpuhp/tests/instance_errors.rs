//! The multi-instance API's refusals, which no other test reached
//! (COVERAGE.md): removing an instance that was never added, an instance
//! operation on a single-instance state or an unregistered one, and on a
//! state outside the dynamic range. Each is a typed error with the errno
//! the kernel returns (`kernel/cpu.c`, `__cpuhp_state_remove_instance()`
//! and `__cpuhp_state_add_instance_cpuslocked()`: `-EINVAL`), and leaves
//! the state's instance list as it was.
#![cfg(not(loom))]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cpuhp::{errno, CpuhpError, Hotplug, HotplugConfig, InlineExecutor, InstanceId, State};

fn hotplug() -> Hotplug {
    Hotplug::new(HotplugConfig::all_online(2), InlineExecutor).unwrap()
}

#[test]
fn unknown_instances_and_foreign_states_are_refused() {
    let hp = hotplug();
    let multi = hp
        .setup_state_multi(
            State::AP_ONLINE_DYN,
            "m:online",
            Some(Arc::new(|_, _| Ok(()))),
            Some(Arc::new(|_, _| Ok(()))),
        )
        .unwrap();
    let (a, b) = (InstanceId(1), InstanceId(2));
    hp.add_instance(multi, a).unwrap();
    for r in [
        hp.remove_instance(multi, b),
        hp.remove_instance_nocalls(multi, b),
    ] {
        assert_eq!(
            r,
            Err(CpuhpError::UnknownInstance {
                state: multi,
                instance: b
            })
        );
        assert_eq!(r.unwrap_err().errno(), errno::EINVAL);
    }
    assert_eq!(hp.instances(multi), vec![a]);

    let single = hp
        .setup_state(State::AP_ONLINE_DYN, "s:online", None, None)
        .unwrap();
    assert_eq!(
        hp.remove_instance(single, a),
        Err(CpuhpError::NotMultiInstance { state: single })
    );
    assert_eq!(
        hp.add_instance(single, a),
        Err(CpuhpError::NotMultiInstance { state: single })
    );
    // A dynamic state nobody registered.
    let free = State::from_raw(single.raw() + 1);
    assert!(matches!(
        hp.remove_instance(free, a),
        Err(CpuhpError::NotMultiInstance { .. })
    ));
    assert_eq!(hp.instances(multi), vec![a]);
}

#[test]
fn instance_operations_outside_the_hotplug_range_are_refused() {
    let hp = hotplug();
    for state in [State::OFFLINE, State::ONLINE] {
        let e = hp.remove_instance(state, InstanceId(1)).unwrap_err();
        assert_eq!(e.errno(), errno::EINVAL, "{state}: {e}");
        let e = hp.add_instance(state, InstanceId(1)).unwrap_err();
        assert_eq!(e.errno(), errno::EINVAL, "{state}: {e}");
    }
}
