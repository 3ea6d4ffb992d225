// A small publish/subscribe hub, so that lower layers never import higher ones: the state and the operations
// say what happened ('applied', 'status', 'saved', 'conflict', 'assessed', 'selection'), views subscribe.
const handlers = {};
export function on(name, fn) { (handlers[name] = handlers[name] || []).push(fn); }
// The handlers' results (promises where a handler does asynchronous work), in subscription order.
export function emit(name, payload) { return (handlers[name] || []).map(function (fn) { return fn(payload); }); }
