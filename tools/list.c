/* SPDX-License-Identifier: MIT */
/* zvfio list: the host PCI functions VFIO could pass through. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "zvfio/zvfio.h"

int cmd_list(int argc, char **argv, const char *prog);

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s list [--json] [--all]\n"
"\n"
"List the host's PCI functions that VFIO can pass through: those in an IOMMU\n"
"group (--all: every function). For each: the address (use it as\n"
"--device vfio:ADDRESS), vendor:device, class, the bound driver, the IOMMU\n"
"group and whether the group is viable -- every member bound to vfio-pci (or\n"
"to pci-stub, pcieport, or no driver); if not, the member in the way. On s390\n"
"the zPCI attributes follow: UID, FID, function handle, PCHID, function group\n"
"(PFGID), virtual function number and function type.\n"
"\n"
"Options:\n"
"      --json    one JSON array of objects instead of the table\n"
"      --all     include functions without an IOMMU group\n"
"  -h, --help    this help\n"
"\n"
"To make a function usable: echo vfio-pci > /sys/bus/pci/devices/ADDR/driver_override,\n"
"unbind it from its driver, then echo ADDR > /sys/bus/pci/drivers_probe.\n"
"Exit status: 0, 1 when sysfs cannot be read, 2 for a bad command line.\n",
		prog);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct zv_host_fn *v, size_t n, bool all)
{
	bool first = true;

	printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct zv_host_fn *h = &v[i];

		if (!all && h->iommu_group < 0)
			continue;
		printf("%s\n  {\"address\": ", first ? "" : ",");
		first = false;
		json_str(h->addr);
		printf(", \"vendor\": \"%04x\", \"device\": \"%04x\", \"class\": \"%06x\", \"driver\": ",
		       h->vendor, h->device, h->class_code);
		if (h->driver[0])
			json_str(h->driver);
		else
			printf("null");
		printf(", \"iommu_group\": ");
		if (h->iommu_group >= 0)
			printf("%d", h->iommu_group);
		else
			printf("null");
		printf(", \"viable\": %s", h->viable ? "true" : "false");
		if (h->blocker[0]) {
			printf(", \"blocked_by\": ");
			json_str(h->blocker);
		}
		if (h->zpci)
			printf(", \"zpci\": {\"uid\": %u, \"fid\": %u, \"fh\": \"0x%08x\", \"pchid\": %u, "
			       "\"pfgid\": %u, \"vfn\": %u, \"pft\": %u}",
			       h->uid, h->fid, h->fh, h->pchid, h->pfgid, h->vfn, h->pft);
		printf("}");
	}
	printf("%s]\n", first ? "" : "\n");
}

static void print_table(const struct zv_host_fn *v, size_t n, bool all)
{
	bool any_zpci = false;
	size_t shown = 0;

	for (size_t i = 0; i < n; i++)
		any_zpci |= v[i].zpci;
	printf("%-13s %-10s %-6s %-12s %5s %-6s", "ADDRESS", "ID", "CLASS", "DRIVER", "GROUP",
	       "VIABLE");
	if (any_zpci)
		printf(" %5s %10s %10s %5s %5s %4s %3s", "UID", "FID", "FH", "PCHID", "PFGID", "VFN",
		       "PFT");
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		const struct zv_host_fn *h = &v[i];
		char id[16], grp[12], via[32];

		if (!all && h->iommu_group < 0)
			continue;
		shown++;
		snprintf(id, sizeof(id), "%04x:%04x", h->vendor, h->device);
		if (h->iommu_group >= 0)
			snprintf(grp, sizeof(grp), "%d", h->iommu_group);
		else
			snprintf(grp, sizeof(grp), "-");
		if (h->viable)
			snprintf(via, sizeof(via), "yes");
		else if (h->blocker[0])
			snprintf(via, sizeof(via), "no (%s)", h->blocker);
		else
			snprintf(via, sizeof(via), "no");
		printf("%-13s %-10s %06x %-12s %5s %-6s", h->addr, id, h->class_code,
		       h->driver[0] ? h->driver : "-", grp, via);
		if (h->zpci)
			printf(" %5u %#10x %#10x %5u %5u %4u %3u", h->uid, h->fid, h->fh, h->pchid,
			       h->pfgid, h->vfn, h->pft);
		printf("\n");
	}
	if (!shown)
		fprintf(stderr, "%s\n", n ? "no PCI function is in an IOMMU group (is the IOMMU on? "
					    "--all lists them anyway)"
					  : "no PCI functions on this host");
}

int cmd_list(int argc, char **argv, const char *prog)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = false, all = false;
	struct zv_host_fn *v;
	size_t n;
	char err[256];
	int c;

	cli_cmd = "zvfio list";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'a': all = true; break;
		case 'h':
			if (!cli_no_operands(argc, argv, optind))
				return EXIT_USAGE;
			usage(stdout, prog);
			return 0;
		default:
			return cli_bad_option(c, argv, optind);
		}
	}
	if (!cli_no_operands(argc, argv, optind))
		return EXIT_USAGE;
	if (zv_host_list(&v, &n, err, sizeof(err))) {
		fprintf(stderr, "%s list: %s\n", prog, err);
		return 1;
	}
	if (json)
		print_json(v, n, all);
	else
		print_table(v, n, all);
	free(v);
	return 0;
}
