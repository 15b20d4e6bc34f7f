// The fault-injection suite has no runtime API: its tests are the product (docs/reliability.md).
export {};
