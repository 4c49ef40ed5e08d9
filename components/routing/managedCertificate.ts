import * as certificatemanager from "@pulumi/gcp/certificatemanager";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";
import type { PlannedManagedCertificate } from "./gatewayPlan";

/** Arguments of {@link ManagedCertificate}. */
export interface ManagedCertificateArgs {
    /** The resolved certificate (see `planServing`): name, hostname, domain, project, region. */
    certificate: PlannedManagedCertificate;
}

/** The DNS record that proves the domain to Certificate Manager; the user creates it. */
export interface DnsRecord {
    /** Record name, e.g. `_acme-challenge_<suffix>.llm.example.com.`. */
    name: string;
    /** Record type: `CNAME`. */
    type: string;
    /** The record's value. */
    data: string;
}

/** The DNS authorization of a regional Google-managed certificate (`@pulumi/gcp` 9.37.0
 * `certificatemanager.DnsAuthorization`; the regional kind defaults to `PER_PROJECT_RECORD`). */
export function dnsAuthorizationArgs(certificate: PlannedManagedCertificate): certificatemanager.DnsAuthorizationArgs {
    return {
        project: certificate.project,
        location: certificate.location,
        name: certificate.name,
        domain: certificate.domain,
        type: "PER_PROJECT_RECORD",
        description: `Proves ${certificate.domain} for the inference gateway's certificate`,
    };
}

/** The regional Google-managed certificate for the hostname, issued once the DNS authorization's
 * record resolves (`certificatemanager.Certificate`, `managed.dnsAuthorizations`). */
export function certificateArgs(certificate: PlannedManagedCertificate, dnsAuthorizationId: pulumi.Input<string>): certificatemanager.CertificateArgs {
    return {
        project: certificate.project,
        location: certificate.location,
        name: certificate.name,
        description: `HTTPS for ${certificate.hostname} on the inference gateway`,
        managed: { domains: [certificate.hostname], dnsAuthorizations: [dnsAuthorizationId] },
    };
}

/**
 * A Google-managed Certificate Manager certificate for the Gateway's hostname in the cluster's
 * region, as the regional GKE gateway classes need, with its DNS authorization. The certificate
 * is issued once the CNAME record in `dnsRecord` exists in the domain's DNS; until then the HTTPS
 * listener has no certificate to serve.
 */
export class ManagedCertificate extends pulumi.ComponentResource {
    /** The certificate's name, which the HTTPS listener's `tls.options` names. */
    public readonly certificateName: pulumi.Output<string>;
    /** The CNAME record to create in the domain's DNS zone. */
    public readonly dnsRecord: pulumi.Output<DnsRecord>;

    constructor(name: string, args: ManagedCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("multi-model-inference:index:ManagedCertificate", name, {}, opts);
        const authorization = new certificatemanager.DnsAuthorization(
            `${name}-dns-authorization`,
            dnsAuthorizationArgs(args.certificate),
            childOptions(this, opts),
        );
        const certificate = new certificatemanager.Certificate(
            `${name}-certificate`,
            certificateArgs(args.certificate, authorization.id),
            childOptions(this, opts),
        );
        this.certificateName = certificate.name;
        this.dnsRecord = authorization.dnsResourceRecords.apply((records) => {
            const [record] = records;
            return { name: record.name, type: record.type, data: record.data };
        });
        this.registerOutputs({ certificateName: this.certificateName, dnsRecord: this.dnsRecord });
    }
}
