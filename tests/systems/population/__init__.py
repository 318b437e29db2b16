"""The population system: people as arrays, schedules, movement, shelters."""
