import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { ServersController } from './servers.controller';
import { ServersService } from './servers.service';

@Module({
  imports: [AuthModule],
  controllers: [ServersController],
  providers: [ServersService],
})
export class ServersModule {}
