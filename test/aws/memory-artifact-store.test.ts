import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { artifactStoreContract } from './artifact-store-contract.ts';

artifactStoreContract('MemoryArtifactStore', { atomicPutIfAbsent: true, s3: false }, async () => ({ store: new MemoryArtifactStore() }));
