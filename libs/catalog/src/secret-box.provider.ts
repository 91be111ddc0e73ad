import { APP_CONFIG, AppConfig, loadOrCreateDevSecret } from '@app/config';
import { Provider } from '@nestjs/common';
import { SecretBox } from './secret-box';

export const SecretBoxProvider: Provider = {
  provide: SecretBox,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) =>
    new SecretBox(
      config.tenantSecretsKey ??
        loadOrCreateDevSecret(config.keysDir, 'tenant-secrets.key', SecretBox.generateKey).trim(),
    ),
};
