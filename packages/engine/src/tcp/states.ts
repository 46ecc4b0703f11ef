// pen's connection state bits (shared by both TCP I/O paths and UDP sessions), in a module
// of their own so the fast path does not load the net.Socket/TLS path to read them.
export const CS_CONNECTING = 1;
export const CS_CONNECTED = 2;
export const CS_SERVER_EOF = 4;
export const CS_CLIENT_EOF = 8;
