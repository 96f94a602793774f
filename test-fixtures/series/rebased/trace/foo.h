/* Lifecycle Lens test fixture (original code): tracepoints of fs/foo. */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM foo

TRACE_EVENT(foo_get,
	TP_PROTO(const void *o),
	TP_ARGS(o),
	TP_STRUCT__entry(__field(const void *, o)),
	TP_fast_assign(__entry->o = o;),
	TP_printk("o=%p", __entry->o)
);
