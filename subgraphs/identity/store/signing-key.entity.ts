import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid!: string;

  @Column({ type: 'text' })
  algorithm!: string;

  /** The public JWK as JSON text. */
  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk!: string;

  /** AES-256-GCM ciphertext of the private JWK; the key is derived from the platform secret, never stored here. */
  @Column({ name: 'private_jwk_encrypted', type: 'text' })
  privateJwkEncrypted!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Published from creation, but signs only from here on (see SigningKeyStore). */
  @Column({ name: 'activates_at', type: 'timestamptz' })
  activatesAt!: Date;

  /** When this key stopped signing; it stays in JWKS until every token it signed has expired. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
}
