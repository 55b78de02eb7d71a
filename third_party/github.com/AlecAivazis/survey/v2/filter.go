package survey
