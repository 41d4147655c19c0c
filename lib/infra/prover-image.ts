import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';

/** Build args of containers/prover/Dockerfile. */
interface ProverImageBuildArgs {
  /** Debian base image with glibc >= 2.39 (trixie: bb 4.1.2 for Aztec jobs needs it; bb 5 needs 2.36). */
  readonly baseImage: string;
  /** `aztec` (ceremony CRS, real networks) or `devnet-insecure` (known-tau test CRS). */
  readonly crsSource: 'aztec' | 'devnet-insecure';
  /** BN254 G1 points baked into the image. */
  readonly crsPoints: number;
}

export interface ProverImageProps {
  /**
   * Docker build context holding a Dockerfile (the staged context from containers/prover/stage-context.ts).
   * At synth CDK only fingerprints and copies this directory; Docker runs at deploy/publish time.
   */
  readonly directory?: string;
  readonly buildArgs?: ProverImageBuildArgs;
  /**
   * A prebuilt image (registry URI). Give either this or `directory`.
   * @default - build `directory`
   */
  readonly imageUri?: string;
}

/** The prover job image: built from a Docker context as a CDK asset, or a prebuilt registry image. */
export class ProverImage extends Construct {
  public readonly image: ecs.ContainerImage;
  /** The image asset, when built from a directory. */
  public readonly asset?: DockerImageAsset;

  constructor(scope: Construct, id: string, props: ProverImageProps) {
    super(scope, id);
    if (props.imageUri && props.directory) {
      throw new Error('ProverImage: give either imageUri or directory, not both');
    }
    if (props.imageUri) {
      this.image = ecs.ContainerImage.fromRegistry(props.imageUri);
      return;
    }
    if (!props.directory) throw new Error('ProverImage: give imageUri or directory');
    if (!props.buildArgs) throw new Error('ProverImage: buildArgs are required when building from a directory');
    if (!existsSync(join(props.directory, 'Dockerfile'))) {
      throw new Error(
        `ProverImage: no Dockerfile in ${props.directory}. Stage the build context first ` +
          '(npx tsx containers/prover/stage-context.ts) or set proverImage to a prebuilt image.',
      );
    }
    const { baseImage, crsSource, crsPoints } = props.buildArgs;
    this.asset = new DockerImageAsset(this, 'Asset', {
      directory: props.directory,
      platform: Platform.LINUX_AMD64, // c7a (and bb's native binary) are x86_64
      buildArgs: { BASE_IMAGE: baseImage, CRS_SOURCE: crsSource, CRS_POINTS: String(crsPoints) },
    });
    this.image = ecs.ContainerImage.fromDockerImageAsset(this.asset);
  }
}
