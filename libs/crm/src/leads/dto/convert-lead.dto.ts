import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength, Validate } from 'class-validator';
import { CurrencyConstraint } from '../../deals/dto/create-deal.dto';
import { AMOUNT_PATTERN } from '../../money';

export class ConvertLeadDto {
  @ApiPropertyOptional({ description: "defaults to the lead's company, else its name" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;

  @ApiProperty({ example: '12500.00' })
  @IsString({ message: 'amount must be a decimal string such as "12500.00"' })
  @Matches(AMOUNT_PATTERN, { message: 'amount must be a decimal string such as "12500.00" (at most 12 digits and 2 decimals)' })
  amount: string;

  @ApiProperty({ example: 'USD' })
  @Validate(CurrencyConstraint)
  currency: string;
}
