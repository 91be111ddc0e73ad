import { IsOptionalButNotNull } from '@app/common';
import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { CreateDealDto } from '../../deals/dto/create-deal.dto';

/**
 * The deal a lead becomes: its amount and currency, its custom values (checked against the deal
 * definitions like a create: required ones must be there), and a title (else the lead's company or name).
 */
export class ConvertLeadDto extends PickType(CreateDealDto, ['amount', 'currency', 'customFields'] as const) {
  @ApiPropertyOptional({ description: "defaults to the lead's company, else its name" })
  @IsOptionalButNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;
}
