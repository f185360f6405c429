package callhistory

// ApplyBatch lets the tests write a batch as the event consumer does.
var ApplyBatch = applyBatch
