package checker

// MessageKeys exposes the catalog's keys to the tests.
var MessageKeys = messageKeys
