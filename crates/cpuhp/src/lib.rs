//! The CPU hotplug state registry.
