/**
 * `simulatorRootCa().certificate` as PEM: what `hkey sim --json` prints as attestationRoot, precomputed so that
 * printing it takes no P-256 work at start. It is the same on every install (fixed seed, deterministic signature);
 * a test keeps this copy equal to firmware-sim's.
 */
export const SIMULATOR_ROOT_PEM = `-----BEGIN CERTIFICATE-----
MIIBujCCAWCgAwIBAgIBATAKBggqhkjOPQQDAjBTMQswCQYDVQQGEwJVUzEaMBgG
A1UECgwRaGtleSB2aXJ0dWFsIGtleXMxKDAmBgNVBAMMH2hrZXkgc2ltdWxhdG9y
IGF0dGVzdGF0aW9uIHJvb3QwIBcNMjYwMTAxMDAwMDAwWhgPMjA1MTAxMDEwMDAw
MDBaMFMxCzAJBgNVBAYTAlVTMRowGAYDVQQKDBFoa2V5IHZpcnR1YWwga2V5czEo
MCYGA1UEAwwfaGtleSBzaW11bGF0b3IgYXR0ZXN0YXRpb24gcm9vdDBZMBMGByqG
SM49AgEGCCqGSM49AwEHA0IABDVJV4DxKdyL/0ZsfdisAagcewB/TWgS35cnPyFp
a12TLl66rleMRT/DiKRm9wJ+sZRxwiHQzva1b7pnqr8N9M+jIzAhMA8GA1UdEwEB
/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIQDfNNAm
oG85tkvrPg5eSqePS8l2hbluHfgNH8Im+FTI1gIgJg8EZb8xghk1KVF0QJMApwnC
vsFDozQdbTD8v9laNVE=
-----END CERTIFICATE-----
`;
