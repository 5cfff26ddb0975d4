/* SPDX-License-Identifier: MIT */
/* The engine's part of `zvfio run`'s summary (summary.h). */
#include <inttypes.h>
#include <stdio.h>

#include "summary.h"

void summary_functions(struct zv_machine *m, struct zv_function **fns, unsigned nfns)
{
	struct zv_stats st;

	zv_stats_get(m, &st);
	fprintf(stderr, "functions: %u\n", nfns);
	for (unsigned i = 0; i < nfns; i++)
		fprintf(stderr, "  %-24s uid %-5u fid %-5u fh %08x  %s%s\n", zv_function_name(fns[i]),
			zv_function_uid(fns[i]), zv_function_fid(fns[i]), zv_function_fh(fns[i]),
			zv_fn_state_name(zv_function_state(fns[i])),
			zv_function_interpreted(fns[i]) ? " (interpreted)" : "");
	fprintf(stderr, "intercepts:");
	for (int i = 0; i < ZV_INSN_COUNT; i++)
		fprintf(stderr, " %s %" PRIu64, zv_insn_name(i), st.intercepts[i]);
	fputc('\n', stderr);
}

void summary_engine(struct zv_machine *m, unsigned nfns, const uint64_t *presented,
		    const uint64_t *mchecks)
{
	struct zv_stats st;

	zv_stats_get(m, &st);
	fprintf(stderr, "DMA: pages mapped %" PRIu64 ", unmapped %" PRIu64 " (backend map calls %"
		PRIu64 ", unmap calls %" PRIu64 ")\n", st.pages_mapped, st.pages_unmapped,
		st.map_calls, st.unmap_calls);
	if (st.dma_counting_fns)
		fprintf(stderr, "bytes moved by DMA: %" PRIu64 " read from guest, %" PRIu64
			" written to guest%s\n", st.dma_read_bytes, st.dma_write_bytes,
			st.dma_counting_fns < nfns ? " (by the emulated devices; VFIO ones cannot tell)" : "");
	else
		fprintf(stderr, "bytes moved by DMA: not known (VFIO devices do not report it)\n");
	if (st.map_failures || st.unmap_failures || st.region_failures || st.irq_route_failures ||
	    st.reset_failures)
		fprintf(stderr, "host failures: map %" PRIu64 ", unmap %" PRIu64 ", region access %"
			PRIu64 ", interrupt routing %" PRIu64 ", reset %" PRIu64 "\n", st.map_failures,
			st.unmap_failures, st.region_failures, st.irq_route_failures, st.reset_failures);
	if (st.region_mapped || st.region_syscalls)
		fprintf(stderr, "device regions (VFIO): %" PRIu64 " accesses through mappings, %" PRIu64
			" through system calls\n", st.region_mapped, st.region_syscalls);
	fprintf(stderr, "interrupts: %" PRIu64 " MSI-X forwarded, %" PRIu64
		" adapter interruptions requested", st.irqs_forwarded, st.irqs_injected);
	if (presented)
		fprintf(stderr, ", %" PRIu64 " presented to the guest", *presented);
	else
		fprintf(stderr, " (vectors routed through irqfds not counted: the kernel delivers "
			"them)");
	fputc('\n', stderr);
	if (st.irqs_pending_pba || st.irqs_suppressed)
		fprintf(stderr, "  %" PRIu64 " held while the vector was masked, %" PRIu64
			" not requested (summary bit already set or interruptions suppressed)\n",
			st.irqs_pending_pba, st.irqs_suppressed);
	fprintf(stderr, "events: %" PRIu64 " error events, %" PRIu64 " IOMMU faults", st.error_events,
		st.iommu_faults);
	if (mchecks)
		fprintf(stderr, ", %" PRIu64 " machine checks", *mchecks);
	fputc('\n', stderr);
	if (st.events_coalesced || st.events_dropped)
		fprintf(stderr, "  %" PRIu64 " events equal to a queued one not queued again, %" PRIu64
			" error events dropped (queue full)\n", st.events_coalesced, st.events_dropped);
}
